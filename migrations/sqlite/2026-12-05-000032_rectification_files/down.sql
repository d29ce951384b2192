DROP TABLE rectification_files;
