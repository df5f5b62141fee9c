-- mp_funnel: from impression to conversion, one row per campaign_id,
-- under the campaign's source (mp_campaign_source.sql).
--
-- impressions = count(*) FILTER (WHERE type = 'impression')
-- clicks      = count(*) FILTER (WHERE type = 'click')
-- conversions = the campaign's sales (mp_sales.sql) whose revenue > 0:
--               a sale once, however many records report it
-- ctr         = round(clicks / nullif(impressions, 0), 4)  NULL: none shown
-- cvr         = round(conversions / nullif(clicks, 0), 4)  NULL: no clicks
-- The counts are cast to numeric before dividing (an integer division
-- would give 0).  A network that reports clicks but not impressions makes
-- ctr NULL, or above 1 when it reports only some.
--
-- Columns: source, campaign_id, impressions, clicks, conversions, ctr, cvr.
CREATE OR REPLACE VIEW mp_funnel AS
SELECT s.source,
    m.campaign_id,
    m.impressions,
    m.clicks,
    m.conversions,
    round(m.clicks::numeric / nullif(m.impressions, 0), 4) AS ctr,
    round(m.conversions::numeric / nullif(m.clicks, 0), 4) AS cvr
FROM (
    SELECT campaign_id,
        sum(impressions)::bigint AS impressions,
        sum(clicks)::bigint AS clicks,
        sum(conversions)::bigint AS conversions
    FROM (
        SELECT campaign_id,
            count(*) FILTER (WHERE type = 'impression') AS impressions,
            count(*) FILTER (WHERE type = 'click') AS clicks,
            0 AS conversions
        FROM events
        GROUP BY campaign_id
        UNION ALL
        SELECT campaign_id, 0, 0, count(*) FILTER (WHERE revenue > 0)
        FROM mp_sales
        GROUP BY campaign_id
    ) u
    GROUP BY campaign_id
) m
LEFT JOIN mp_campaign_source s ON s.campaign_id = m.campaign_id;
