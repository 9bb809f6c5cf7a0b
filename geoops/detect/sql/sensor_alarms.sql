-- The anomaly rules over the observations just stored (observations_batch): each firing
-- is one sensor_alarms row at the station's position, once per (station, property, time,
-- rule). Strength is 0.5 at the limit and 1 at twice the limit. Rules come in as JSON
-- lists, so one statement evaluates every rule for the whole batch.
WITH thresholds AS (
    SELECT * FROM jsonb_to_recordset(CAST(:thresholds AS jsonb)) AS r (property text, unit text, above float8)
), rises AS (
    SELECT * FROM jsonb_to_recordset(CAST(:rates AS jsonb)) AS r (property text, unit text, rise float8, minutes float8)
), jumps AS (
    SELECT * FROM jsonb_to_recordset(CAST(:baselines AS jsonb))
        AS r (property text, unit text, jump float8, hours float8, min_readings int)
), fired AS (
    SELECT b.station_id, b.property, b.observed_at, b.value, 'threshold' AS rule,
           b.value / (2 * t.above) AS strength,
           jsonb_build_object('limit', t.above, 'unit', b.unit) AS detail
    FROM observations_batch AS b JOIN thresholds AS t USING (property, unit)
    WHERE b.value > t.above
    UNION ALL
    -- rise above the lowest reading of the window before this one
    SELECT b.station_id, b.property, b.observed_at, b.value, 'rate',
           (b.value - w.low) / (2 * r.rise),
           jsonb_build_object('rise', b.value - w.low, 'limit', r.rise, 'minutes', r.minutes,
                              'from', w.low, 'unit', b.unit)
    FROM observations_batch AS b JOIN rises AS r USING (property, unit)
    CROSS JOIN LATERAL (
        SELECT min(o.value) AS low FROM observations AS o
        WHERE o.station_id = b.station_id AND o.property = b.property
          AND o.observed_at >= b.observed_at - r.minutes * interval '1 minute'
          AND o.observed_at < b.observed_at
    ) AS w
    WHERE b.value - w.low > r.rise
    UNION ALL
    -- jump above the station's own median of the hours before this reading
    SELECT b.station_id, b.property, b.observed_at, b.value, 'baseline',
           (b.value - w.median) / (2 * j.jump),
           jsonb_build_object('jump', b.value - w.median, 'limit', j.jump, 'hours', j.hours,
                              'baseline', w.median, 'readings', w.readings, 'unit', b.unit)
    FROM observations_batch AS b JOIN jumps AS j USING (property, unit)
    CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY o.value) AS median, count(*) AS readings
        FROM observations AS o
        WHERE o.station_id = b.station_id AND o.property = b.property
          AND o.observed_at >= b.observed_at - j.hours * interval '1 hour'
          AND o.observed_at < b.observed_at
    ) AS w
    WHERE w.readings >= j.min_readings AND b.value - w.median > j.jump
)
INSERT INTO sensor_alarms AS a (station_id, property, rule, observed_at, value, strength, geom, detail)
SELECT f.station_id, f.property, f.rule, f.observed_at, f.value,
       least(1.0, greatest(0.0, f.strength)), s.geom, f.detail
FROM fired AS f JOIN stations AS s ON s.id = f.station_id
ORDER BY f.station_id, f.property, f.observed_at, f.rule
ON CONFLICT ON CONSTRAINT sensor_alarms_once DO NOTHING
RETURNING a.id, a.station_id, a.property, a.rule, a.observed_at, a.value, a.strength,
          ST_X(a.geom) AS longitude, ST_Y(a.geom) AS latitude
