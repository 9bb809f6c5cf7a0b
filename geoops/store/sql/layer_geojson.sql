-- One registry layer as a GeoJSON FeatureCollection; the caller fills in the WHERE clause.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(x.feature ORDER BY x.id), '[]'::json)
)
FROM (
    SELECT f.id, json_build_object(
        'type', 'Feature',
        'id', f.id,
        'geometry', ST_AsGeoJSON(f.geom, 6)::json,
        'properties', f.properties
    ) AS feature
    FROM layer_features AS f
    WHERE /*where*/
    ORDER BY f.id
    LIMIT :limit
) AS x
