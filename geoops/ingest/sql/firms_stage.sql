-- The good typed FIRMS rows as staged hotspots (the columns of
-- geoops.store.hotspots.STAGE_COLUMNS); the caller puts firms_ranges.sql into the WHERE clause.
-- Confidence letters map to the middle of MODIS' classes (0-29, 30-79, 80-100).
SELECT
    CAST(:source AS text) AS source,
    btrim(t.satellite) AS satellite,
    coalesce(nullif(upper(btrim(t.instrument)), ''), :instrument) AS instrument,
    (t.acq_date + make_interval(hours => t.acq_time / 100, mins => t.acq_time % 100))
        AT TIME ZONE 'UTC' AS observed_at,
    t.latitude::numeric AS latitude,
    t.longitude::numeric AS longitude,
    CASE lower(btrim(t.confidence))
        WHEN 'l' THEN 15 WHEN 'low' THEN 15 WHEN 'n' THEN 55
        WHEN 'nominal' THEN 55 WHEN 'h' THEN 90 WHEN 'high' THEN 90
        ELSE round(t.confidence::numeric) END AS confidence,
    btrim(t.confidence) AS confidence_raw,
    t.frp,
    t.brightness,
    t.brightness_2,
    coalesce(t.scan, :pixel_km) AS scan,
    coalesce(t.track, :pixel_km) AS track,
    nullif(upper(left(btrim(t.daynight), 1)), '') AS daynight,
    t.type AS fire_type,
    btrim(t.version) AS version
FROM firms_typed AS t
WHERE (/*ranges*/) IS NULL
