-- Sensor stations as one GeoJSON FeatureCollection; the caller fills in the WHERE clause.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.id), '[]'::json)
)
FROM (
    SELECT s.id, json_build_object(
        'type', 'Feature',
        'id', s.id,
        'geometry', ST_AsGeoJSON(s.geom, 6)::json,
        'properties', json_build_object(
            'id', s.id,
            'name', s.name,
            'kind', s.kind,
            'status', s.status,
            'last_seen_at', s.last_seen_at
        )
    ) AS feature
    FROM stations AS s
    WHERE /*where*/
    ORDER BY s.id
    LIMIT :limit
) AS f
