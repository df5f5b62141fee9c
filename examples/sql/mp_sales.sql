-- mp_sales: every sale once, with its current amount, one row per sale
-- (the revenue model of mp-record(5)).
--
-- Revenue records are those of type conversion (the tracker's estimate),
-- postback (money a partner reports: pieces of one sale add up; a
-- re-delivery has the same event_id, and the table keeps it once) and
-- adjustment (a partner's later signed correction).  A sale is the
-- revenue records that name one click_id; a record without click_id is a
-- sale of its own.  Every record is kept: this view only reads them.
--
-- sale_id     = coalesce(click_id, event_id): the click_id the records
--               name, or the event_id of a record that names none
-- campaign_id = the campaign_id of the click the sale names (the earliest
--               such click by ts, then event_id), when the table holds it;
--               else that of the sale's earliest revenue record (by ts,
--               then event_id)
-- country     = the country of that click, else of that earliest record
-- day         = (first_ts AT TIME ZONE 'UTC')::date: a sale counts on the
--               day it was first reported, an adjustment arriving later
--               changes that day's revenue, not its own day's
-- first_ts    = min(ts) over the sale's revenue records
-- estimated   = coalesce(sum(revenue) FILTER (WHERE type = 'conversion'), 0)
-- paid        = coalesce(sum(revenue) FILTER (WHERE type = 'postback'), 0)
-- adjusted    = coalesce(sum(revenue) FILTER (WHERE type = 'adjustment'), 0)
-- revenue     = paid + adjusted when the sale has a postback or an
--               adjustment (the partner's word replaces the tracker's
--               estimate), else estimated: the sale's current amount
-- records     = count(*): the revenue records of the sale
-- state       = 'estimated'  no postback, no adjustment
--               'confirmed'  postbacks, no adjustment
--               'adjusted'   an adjustment, revenue > 0
--               'reversed'   an adjustment, revenue <= 0
-- A sale is a conversion of the other views when its revenue > 0.  A
-- revenue of NULL counts as 0.  Money is numeric, exact (0 written
-- 0.000000); one currency is assumed.  Two sales, one named by a click_id
-- and one by an event_id, could show the same sale_id; they are not
-- merged.
--
-- Columns: sale_id, campaign_id, country, day, first_ts, estimated, paid,
-- adjusted, revenue, records, state.
CREATE OR REPLACE VIEW mp_sales AS
WITH r AS (
    SELECT click_id,
        CASE WHEN click_id IS NULL THEN event_id END AS own_id,
        min(ts) AS first_ts,
        (array_agg(campaign_id ORDER BY ts, event_id))[1] AS campaign_id,
        (array_agg(country ORDER BY ts, event_id))[1] AS country,
        coalesce(sum(revenue) FILTER (WHERE type = 'conversion'), 0.000000)
            AS estimated,
        coalesce(sum(revenue) FILTER (WHERE type = 'postback'), 0.000000)
            AS paid,
        coalesce(sum(revenue) FILTER (WHERE type = 'adjustment'), 0.000000)
            AS adjusted,
        count(*) FILTER (WHERE type = 'postback') AS postbacks,
        count(*) FILTER (WHERE type = 'adjustment') AS adjustments,
        count(*) AS records
    FROM events
    WHERE type IN ('conversion', 'postback', 'adjustment')
    GROUP BY 1, 2
), c AS (
    -- the clicks that sales name, one row a click_id
    SELECT click_id,
        (array_agg(campaign_id ORDER BY ts, event_id))[1] AS campaign_id,
        (array_agg(country ORDER BY ts, event_id))[1] AS country
    FROM events
    WHERE type = 'click' AND click_id IN (SELECT click_id FROM r)
    GROUP BY click_id
), s AS (
    SELECT coalesce(r.click_id, r.own_id) AS sale_id,
        CASE WHEN c.click_id IS NULL THEN r.campaign_id
            ELSE c.campaign_id END AS campaign_id,
        CASE WHEN c.click_id IS NULL THEN r.country
            ELSE c.country END AS country,
        r.first_ts,
        r.estimated,
        r.paid,
        r.adjusted,
        CASE WHEN r.postbacks + r.adjustments > 0 THEN r.paid + r.adjusted
            ELSE r.estimated END AS revenue,
        r.records,
        r.postbacks,
        r.adjustments
    FROM r
    LEFT JOIN c ON c.click_id = r.click_id
)
SELECT sale_id,
    campaign_id,
    country,
    (first_ts AT TIME ZONE 'UTC')::date AS day,
    first_ts,
    estimated,
    paid,
    adjusted,
    revenue,
    records,
    CASE WHEN adjustments > 0 AND revenue <= 0 THEN 'reversed'
        WHEN adjustments > 0 THEN 'adjusted'
        WHEN postbacks > 0 THEN 'confirmed'
        ELSE 'estimated' END AS state
FROM s;
