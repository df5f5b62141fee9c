-- mp_timeseries: the traffic and money of each hour, one row per UTC hour
-- that has rows or sales, for Grafana's time series: its time column is
-- named "time", a timestamptz at the start of the hour,
-- date_trunc('hour', ts AT TIME ZONE 'UTC') taken back to UTC.
--
-- impressions = count(*) FILTER (WHERE type = 'impression')
-- clicks      = count(*) FILTER (WHERE type = 'click')
-- conversions = the sales (mp_sales.sql) whose revenue > 0, in the hour
--               of their first_ts
-- cost        = coalesce(sum(cost), 0) over all rows: a record of type
--               cost falls in the first hour of its day
-- revenue     = coalesce(sum(revenue), 0) over the sales, in the hour of
--               their first_ts
-- Money is numeric, exact (0 written 0.000000); one currency is assumed.
-- Hours without rows or sales have no row (Grafana fills them as it is
-- told).
--
-- Columns: time, impressions, clicks, conversions, cost, revenue.
CREATE OR REPLACE VIEW mp_timeseries AS
SELECT "time",
    sum(impressions)::bigint AS impressions,
    sum(clicks)::bigint AS clicks,
    sum(conversions)::bigint AS conversions,
    sum(cost) AS cost,
    sum(revenue) AS revenue
FROM (
    SELECT date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            AS "time",
        count(*) FILTER (WHERE type = 'impression') AS impressions,
        count(*) FILTER (WHERE type = 'click') AS clicks,
        0 AS conversions,
        coalesce(sum(cost), 0.000000) AS cost,
        0.000000 AS revenue
    FROM events
    GROUP BY 1
    UNION ALL
    SELECT date_trunc('hour', first_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
        0, 0, count(*) FILTER (WHERE revenue > 0),
        0.000000, sum(revenue)
    FROM mp_sales
    GROUP BY 1
) u
GROUP BY 1;
