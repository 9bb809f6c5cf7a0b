-- Mark the hotspots a pass claimed (sql/claim_hotspots.sql) seen: the watermark moves up to
-- the last id claimed (migration 0018), and the few static ones get their reason, a FIRMS
-- type or one found in memory (heat sources, water: detect/static_areas.py) (two
-- statements, psycopg placeholders: sent in a pipeline).
UPDATE detection_state SET hotspot_watermark = greatest(hotspot_watermark, %(watermark)s);
UPDATE hotspots AS h
SET static_reason = u.reason
FROM unnest(CAST(%(static_ids)s AS bigint[]), CAST(%(reasons)s AS text[])) AS u(id, reason)
WHERE h.id = u.id
