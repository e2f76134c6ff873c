package io.seglog;

import java.time.Duration;
import java.util.Objects;

/**
 * When appended records reach the disk. Immutable and thread-safe.
 *
 * <ul>
 *   <li>{@link #ALWAYS}: an append returns only after its bytes are fsynced.
 *   <li>{@link #interval(Duration)}: an append returns once written; a background thread fsyncs
 *       every interval. {@link Log#durableIndex()} tells how far the disk has it.
 *   <li>{@link #NONE}: an append returns once written to the page cache; call {@link Log#sync()}.
 * </ul>
 */
public final class SyncPolicy {
  /** The kind of policy. */
  public enum Kind {
    ALWAYS,
    INTERVAL,
    NONE
  }

  /** Fsync before every append returns. */
  public static final SyncPolicy ALWAYS = new SyncPolicy(Kind.ALWAYS, Duration.ZERO);

  /** Never fsync on its own; {@link Log#sync()} and sealing a segment do. */
  public static final SyncPolicy NONE = new SyncPolicy(Kind.NONE, Duration.ZERO);

  private final Kind kind;
  private final Duration interval;

  private SyncPolicy(Kind kind, Duration interval) {
    this.kind = kind;
    this.interval = interval;
  }

  /**
   * Fsync in the background every {@code interval}.
   *
   * @throws IllegalArgumentException if the interval is zero or negative
   */
  public static SyncPolicy interval(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("sync interval must be positive, got " + interval);
    }
    return new SyncPolicy(Kind.INTERVAL, interval);
  }

  public Kind kind() {
    return kind;
  }

  /** The background fsync interval; zero unless {@link #kind()} is {@link Kind#INTERVAL}. */
  public Duration interval() {
    return interval;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SyncPolicy
        && ((SyncPolicy) o).kind == kind
        && ((SyncPolicy) o).interval.equals(interval);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + interval.hashCode();
  }

  @Override
  public String toString() {
    return kind == Kind.INTERVAL ? "INTERVAL(" + interval + ")" : kind.name();
  }
}
