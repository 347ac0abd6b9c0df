-- Up Migration

-- Where each covered option's Greeks came from (src/greeks/sources.ts): covered options per source with the age of
-- the oldest input, and the covered options whose Greeks are not IB's model values. Rows written before this
-- migration read as '{}' and '[]': every covered option then had IB's model or quote computations.
ALTER TABLE portfolio_greeks
  ADD COLUMN greeks_sources jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(greeks_sources) = 'object'),
  ADD COLUMN fallback_positions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fallback_positions) = 'array');

-- Down Migration

ALTER TABLE portfolio_greeks DROP COLUMN fallback_positions, DROP COLUMN greeks_sources;
