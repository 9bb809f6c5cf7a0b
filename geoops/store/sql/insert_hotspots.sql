-- Move staged rows (a staging table or a subquery, substituted by the caller) into hotspots:
-- point and pixel footprint built here, set-based, and the natural key drops whatever is already stored (re-ingest inserts nothing twice).
-- Rows already stored are skipped before any geometry is built (re-ingest costs little).
-- The footprint is scan (across track, ~east-west) x track (~north-south) kilometres,
-- converted to degrees with the WGS84 metres per degree at the pixel's latitude.
INSERT INTO hotspots (
    source, satellite, instrument, observed_at, latitude, longitude, geom, footprint,
    confidence, confidence_raw, frp, brightness, brightness_2, scan, track, daynight,
    fire_type, version
)
SELECT
    s.source, s.satellite, s.instrument, s.observed_at, s.lat, s.lon,
    ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
    ST_MakeEnvelope(
        s.lon - s.dx, greatest(s.lat - s.dy, -90), s.lon + s.dx, least(s.lat + s.dy, 90), 4326
    ),
    s.confidence, s.confidence_raw, s.frp, s.brightness, s.brightness_2, s.scan, s.track,
    s.daynight, s.fire_type, s.version
FROM (
    SELECT k.*,
           k.scan * 500.0 / greatest(111412.84 * cos(k.phi) - 93.5 * cos(3 * k.phi), 1.0) AS dx,
           k.track * 500.0 / (111132.954 - 559.822 * cos(2 * k.phi) + 1.175 * cos(4 * k.phi)) AS dy
    FROM (
        SELECT st.*, round(st.latitude, 5)::numeric(8, 5) AS lat,
               round(st.longitude, 5)::numeric(8, 5) AS lon, radians(st.latitude::float8) AS phi
        FROM (SELECT * FROM /*staged*/ AS staged OFFSET 0) AS st  -- each row computed once
    ) AS k
    WHERE NOT EXISTS (
        SELECT 1 FROM hotspots AS h
        WHERE h.satellite = k.satellite AND h.instrument = k.instrument
          AND h.observed_at = k.observed_at AND h.latitude = k.lat AND h.longitude = k.lon
    )
) AS s
ON CONFLICT ON CONSTRAINT hotspots_natural_key DO NOTHING
