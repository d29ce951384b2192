DROP TABLE archive_bundles;
