-- mp_timeseries: the traffic and money of each hour, one row per UTC hour
-- that has events, for Grafana's time series: its time column is named
-- "time", a timestamptz at the start of the hour,
-- date_trunc('hour', ts AT TIME ZONE 'UTC') taken back to UTC.
--
-- impressions = count(*) FILTER (WHERE type = 'impression')
-- clicks      = count(*) FILTER (WHERE type = 'click')
-- conversions = count(*) FILTER (WHERE type IN ('conversion','postback'))
-- cost        = coalesce(sum(cost) FILTER (WHERE type = 'click'), 0)
-- revenue     = coalesce(sum(revenue) FILTER
--                   (WHERE type IN ('conversion','postback')), 0)
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
-- Hours without events have no row (Grafana fills them as it is told).
--
-- Columns: time, impressions, clicks, conversions, cost, revenue.
CREATE OR REPLACE VIEW mp_timeseries AS
SELECT date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
        AS "time",
    count(*) FILTER (WHERE type = 'impression') AS impressions,
    count(*) FILTER (WHERE type = 'click') AS clicks,
    count(*) FILTER (WHERE type IN ('conversion', 'postback'))
        AS conversions,
    coalesce(sum(cost) FILTER (WHERE type = 'click'), 0.000000) AS cost,
    coalesce(sum(revenue) FILTER
        (WHERE type IN ('conversion', 'postback')), 0.000000) AS revenue
FROM events
GROUP BY 1;
