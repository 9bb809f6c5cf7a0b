-- Hotspots as one GeoJSON FeatureCollection; the caller fills in the WHERE clause.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)
)
FROM (
    SELECT h.id, json_build_object(
        'type', 'Feature',
        'id', h.id,
        'geometry', ST_AsGeoJSON(h.geom, 5)::json,
        'properties', json_build_object(
            'id', h.id,
            'observed_at', h.observed_at,
            'satellite', h.satellite,
            'instrument', h.instrument,
            'confidence', h.confidence,
            'frp', h.frp,
            'daynight', h.daynight,
            'incident_id', e.incident_id,
            'static_reason', h.static_reason
        )
    ) AS feature
    FROM hotspots AS h
    LEFT JOIN incident_evidence AS e ON e.hotspot_id = h.id
    WHERE /*where*/
    ORDER BY h.id
    LIMIT :limit
) AS f
