-- views.sql: every view of examples/sql over the table events, in one
-- transaction (all or none), replaced if they are there:
--   psql -f examples/sql/views.sql
-- The views are made in the first schema of the search_path and read the
-- events table found there: for a table ads.events,
--   PGOPTIONS='-c search_path=ads' psql -f examples/sql/views.sql
\set ON_ERROR_STOP on
BEGIN;
\ir mp_campaign_source.sql
\ir mp_roi_campaign.sql
\ir mp_roi_source.sql
\ir mp_roi_day.sql
\ir mp_funnel.sql
\ir mp_countries.sql
\ir mp_timeseries.sql
\ir mp_top_campaigns.sql
COMMIT;
