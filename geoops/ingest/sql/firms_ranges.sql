-- Range checks on a typed FIRMS row t: its first fault, or NULL when it is fine.
CASE
    WHEN abs(t.latitude) > 90 THEN 'latitude outside -90..90'
    WHEN abs(t.longitude) > 180 THEN 'longitude outside -180..180'
    WHEN t.acq_time NOT BETWEEN 0 AND 2359 OR t.acq_time % 100 >= 60 THEN 'acq_time is not an HHMM time'
    WHEN coalesce(t.satellite, '') = '' THEN 'satellite is empty'
    WHEN length(t.satellite) > 32 THEN 'satellite longer than 32 characters'
    WHEN length(t.instrument) > 16 THEN 'instrument longer than 16 characters'
    WHEN length(t.version) > 16 THEN 'version longer than 16 characters'
    WHEN t.scan NOT BETWEEN 0.001 AND 100 THEN 'scan must be a pixel size in km'
    WHEN t.track NOT BETWEEN 0.001 AND 100 THEN 'track must be a pixel size in km'
    WHEN t.type NOT BETWEEN 0 AND 3 THEN 'type is not one of 0, 1, 2, 3'
    WHEN abs(coalesce(t.frp, 0)) + abs(coalesce(t.brightness, 0)) + abs(coalesce(t.brightness_2, 0)) > 1e9
        THEN 'frp or brightness is not a finite number'
    WHEN NOT isfinite(t.acq_date) OR t.acq_date < '1970-01-01' THEN 'acq_date is not a YYYY-MM-DD date'
    -- last: a numeric confidence ends the checks here (this branch yields NULL when it is fine)
    WHEN t.confidence IS NOT NULL AND lower(btrim(t.confidence)) NOT IN ('l', 'n', 'h', 'low', 'nominal', 'high')
        THEN CASE
            WHEN t.confidence !~ '^\s*\d{1,3}(\.\d+)?\s*$' THEN 'confidence is neither 0-100 nor l/n/h'
            WHEN t.confidence::numeric > 100 THEN 'confidence outside 0..100'
        END
END
