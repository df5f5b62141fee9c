-- mp_campaign_source: the network each campaign runs on, the source under
-- which the other views report the campaign.
--
-- Conversions and postbacks often come from a tracker ("appsflyer",
-- "adjust"), not from the network that sold the click, so the views count
-- a campaign's events by campaign_id alone, whatever their source, and take
-- its source from here:
-- source = the source of most of the campaign's clicks, a tie going to
--            the first in sort order; a campaign without clicks takes the
--            source of most of its impressions, then of most of its events
-- This is mode() WITHIN GROUP (ORDER BY source) over the clicks, with its
-- ties settled (PostgreSQL calls mode()'s choice arbitrary) and a fallback.
--
-- Columns: campaign_id, source.
CREATE OR REPLACE VIEW mp_campaign_source AS
SELECT DISTINCT ON (campaign_id)
    campaign_id,
    source
FROM events
GROUP BY campaign_id, source
ORDER BY campaign_id,
    count(*) FILTER (WHERE type = 'click') DESC,
    count(*) FILTER (WHERE type = 'impression') DESC,
    count(*) DESC,
    source;
