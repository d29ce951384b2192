ALTER TABLE opinions ADD COLUMN extension_state TEXT;
UPDATE opinions SET extension_state = (
    SELECT CASE WHEN x.state = 'requested' THEN 'requested:' || x.days ELSE x.state END
    FROM opinion_extensions x WHERE x.opinion_id = opinions.id
);
DROP TABLE opinion_extensions;
