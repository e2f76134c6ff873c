package io.seglog;

/**
 * Called after each fsync (a group commit, a roll's seal, the final fsync of close) that made more
 * records durable. Successive calls report contiguous ranges, in order, without gaps or overlaps,
 * from the durable index at open up to {@link Log#durableIndex()}. Called on a dedicated thread of
 * the log, one call at a time; {@link Log#close()} returns after the last call.
 */
@FunctionalInterface
public interface DurabilityListener {
  void durable(DurableRange range);
}
