DROP TABLE proposal_files;
DROP TABLE proposal_events;
DROP TABLE proposal_units;
DROP TABLE proposal_signers;
DROP TABLE proposals;
DROP TABLE proposal_sessions;
