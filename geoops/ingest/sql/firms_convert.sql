-- The careful path's good rows (firms_parse.sql), cast into the typed table.
INSERT INTO firms_typed (
    line, latitude, longitude, acq_date, acq_time, satellite, instrument, confidence, version,
    frp, brightness, brightness_2, scan, track, daynight, type
)
SELECT r.line, r.latitude::float8, r.longitude::float8, r.acq_date::date,
       replace(r.acq_time, ':', '')::int, nullif(r.satellite, ''), nullif(r.instrument, ''),
       nullif(r.confidence, ''), nullif(r.version, ''), nullif(r.frp, '')::float8,
       nullif(r.brightness, '')::float8, nullif(r.brightness_2, '')::float8,
       nullif(r.scan, '')::float8, nullif(r.track, '')::float8, nullif(r.daynight, ''),
       nullif(r.type, '')::smallint
FROM firms_rows AS r
WHERE r.reason IS NULL
