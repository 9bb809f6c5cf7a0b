-- Move staged FIRMS rows into hotspots: point and pixel footprint built here, set-based,
-- and the natural key drops whatever is already stored (re-ingest inserts nothing twice).
-- The footprint is scan (across track, ~east-west) x track (~north-south) kilometres,
-- converted to degrees at the pixel's latitude; pixels are small, so this is exact enough.
INSERT INTO hotspots (
    source, satellite, instrument, observed_at, latitude, longitude, geom, footprint,
    confidence, confidence_raw, frp, brightness, brightness_2, scan, track, daynight,
    fire_type, version
)
SELECT
    s.source, s.satellite, s.instrument, s.observed_at, s.lat, s.lon,
    ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
    ST_MakeEnvelope(
        s.lon - s.scan * 500.0 / (111320.0 * greatest(cos(radians(s.lat)), 0.01)),
        greatest(s.lat - s.track * 500.0 / 110574.0, -90),
        s.lon + s.scan * 500.0 / (111320.0 * greatest(cos(radians(s.lat)), 0.01)),
        least(s.lat + s.track * 500.0 / 110574.0, 90),
        4326
    ),
    s.confidence, s.confidence_raw, s.frp, s.brightness, s.brightness_2, s.scan, s.track,
    s.daynight, s.fire_type, s.version
FROM (
    SELECT st.*, round(st.latitude, 5) AS lat, round(st.longitude, 5) AS lon
    FROM hotspots_stage AS st
) AS s
ON CONFLICT ON CONSTRAINT hotspots_natural_key DO NOTHING
