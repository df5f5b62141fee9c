-- views.sql: every view of examples/sql over the table events, in one
-- transaction (all or none), replaced if they are there:
--   psql -f examples/sql/views.sql
-- The views are made in the first schema of the search_path and read the
-- events table found there: for a table ads.events,
--   PGOPTIONS='-c search_path=ads' psql -f examples/sql/views.sql
-- Each view after the views it reads.
\set ON_ERROR_STOP on
BEGIN;
-- The views of before the cost and revenue models (a column roi) cannot be
-- replaced in place: their columns changed.  They are dropped first, with
-- the grants on them (give them again); a view of your own over them stops
-- this, and nothing changes.
DO $$
DECLARE
    v text;
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
            WHERE table_schema = current_schema()
            AND table_name = 'mp_roi_campaign' AND column_name = 'roi') THEN
        FOR v IN SELECT table_name FROM information_schema.views
                WHERE table_schema = current_schema() AND table_name IN
                ('mp_top_campaigns', 'mp_roi_campaign', 'mp_roi_source',
                'mp_roi_day')
                ORDER BY table_name = 'mp_top_campaigns' DESC LOOP
            EXECUTE format('DROP VIEW %I.%I', current_schema(), v);
        END LOOP;
    END IF;
END
$$;
\ir mp_campaign_source.sql
\ir mp_sales.sql
\ir mp_roi_campaign.sql
\ir mp_roi_source.sql
\ir mp_roi_day.sql
\ir mp_funnel.sql
\ir mp_countries.sql
\ir mp_timeseries.sql
\ir mp_top_campaigns.sql
\ir mp_spend.sql
\ir mp_revenue_network.sql
COMMIT;
