package io.seglog;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Options for opening a log. Immutable and thread-safe; build one with {@link #builder()}. Every
 * option has a default, and option combinations are validated in one place, {@link
 * Builder#build()}.
 */
public final class LogConfig {
  /** Smallest allowed segment size. */
  public static final long MIN_SEGMENT_BYTES = 4096;

  /** Largest allowed segment size: positions inside a segment are 32-bit. */
  public static final long MAX_SEGMENT_BYTES = 1L << 30;

  /** Largest allowed record payload, and batch size. */
  public static final int MAX_RECORD_BYTES_LIMIT = 256 << 20;

  /** Largest allowed {@link #maxBatchRecords()}. */
  public static final int MAX_BATCH_RECORDS_LIMIT = 1 << 20;

  private final SyncPolicy syncPolicy;
  private final long segmentBytes;
  private final int maxRecordBytes;
  private final int maxBatchBytes;
  private final int maxBatchRecords;
  private final long indexCacheBytes;
  private final long initialIndex;
  private final Duration rollAge;
  private final long segmentMaxRecords;
  private final RecoveryMode recoveryMode;
  private final Clock clock;
  private final Duration retentionAge;
  private final long retentionBytes;
  private final long retentionRecords;

  private LogConfig(Builder b) {
    this.syncPolicy = b.syncPolicy;
    this.segmentBytes = b.segmentBytes;
    this.maxRecordBytes = b.maxRecordBytes;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxBatchRecords = b.maxBatchRecords;
    this.indexCacheBytes = b.indexCacheBytes;
    this.initialIndex = b.initialIndex;
    this.rollAge = b.rollAge;
    this.segmentMaxRecords = b.segmentMaxRecords;
    this.recoveryMode = b.recoveryMode;
    this.clock = b.clock;
    this.retentionAge = b.retentionAge;
    this.retentionBytes = b.retentionBytes;
    this.retentionRecords = b.retentionRecords;
  }

  /** A builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: {@code builder().build()}. */
  public static LogConfig defaults() {
    return builder().build();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.syncPolicy = syncPolicy;
    b.segmentBytes = segmentBytes;
    b.maxRecordBytes = maxRecordBytes;
    b.maxBatchBytes = maxBatchBytes;
    b.maxBatchRecords = maxBatchRecords;
    b.indexCacheBytes = indexCacheBytes;
    b.initialIndex = initialIndex;
    b.rollAge = rollAge;
    b.segmentMaxRecords = segmentMaxRecords;
    b.recoveryMode = recoveryMode;
    b.clock = clock;
    b.retentionAge = retentionAge;
    b.retentionBytes = retentionBytes;
    b.retentionRecords = retentionRecords;
    return b;
  }

  /** When appends reach the disk. Default {@link SyncPolicy#ALWAYS}. */
  public SyncPolicy syncPolicy() {
    return syncPolicy;
  }

  /** A segment is sealed and a new one started once it would grow past this. Default 64 MiB. */
  public long segmentBytes() {
    return segmentBytes;
  }

  /** Largest payload of one record. Default 16 MiB. */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Largest total payload of one batch (one frame). Default 64 MiB. */
  public int maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * Most records in one batch. Default 65,536. With {@link #maxBatchBytes()} it bounds a frame's
   * encoded size (16 bytes of header per record), which recovery enforces.
   */
  public int maxBatchRecords() {
    return maxBatchRecords;
  }

  /**
   * Memory for the frame indexes of sealed segments, which load on first read; past it the least
   * recently used are unloaded (and reload from their index file). The active segment's index is
   * always in memory and not counted. Default 64 MiB.
   */
  public long indexCacheBytes() {
    return indexCacheBytes;
  }

  /** Index of the first record of a new log. Ignored when the log exists. Default 1. */
  public long initialIndex() {
    return initialIndex;
  }

  /** A segment older than this is sealed at the next append; zero disables. Default zero. */
  public Duration rollAge() {
    return rollAge;
  }

  /** A segment holding this many records is sealed; 0 disables. Default 0. */
  public long segmentMaxRecords() {
    return segmentMaxRecords;
  }

  /** What opening does with damage. Default {@link RecoveryMode#TAIL}. */
  public RecoveryMode recoveryMode() {
    return recoveryMode;
  }

  /** Source of assigned timestamps and segment creation times. Default the system UTC clock. */
  public Clock clock() {
    return clock;
  }

  /**
   * Retention by age: a sealed segment whose newest record is at least this old is removed. Ages
   * come from the records' own timestamps (a segment's max timestamp) against {@link #clock()},
   * never from file times; a segment whose max timestamp is in the future is judged, with a
   * warning, by its seal time instead. Zero disables. Default zero.
   *
   * <p>Every retention policy is applied after each roll and by {@link Log#applyRetention()}; only
   * whole sealed segments, oldest first, are removed, never the active segment.
   */
  public Duration retentionAge() {
    return retentionAge;
  }

  /**
   * Retention by size: while the log's segment files total more than this, its oldest sealed
   * segments are removed. 0 disables. Default 0. See {@link #retentionAge()}.
   */
  public long retentionBytes() {
    return retentionBytes;
  }

  /**
   * Retention by record count: while the log holds more than this many records, its oldest sealed
   * segments are removed. 0 disables. Default 0. See {@link #retentionAge()}.
   */
  public long retentionRecords() {
    return retentionRecords;
  }

  @Override
  public String toString() {
    return "LogConfig{syncPolicy="
        + syncPolicy
        + ", segmentBytes="
        + segmentBytes
        + ", maxRecordBytes="
        + maxRecordBytes
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", maxBatchRecords="
        + maxBatchRecords
        + ", indexCacheBytes="
        + indexCacheBytes
        + ", initialIndex="
        + initialIndex
        + ", rollAge="
        + rollAge
        + ", segmentMaxRecords="
        + segmentMaxRecords
        + ", recoveryMode="
        + recoveryMode
        + ", retentionAge="
        + retentionAge
        + ", retentionBytes="
        + retentionBytes
        + ", retentionRecords="
        + retentionRecords
        + "}";
  }

  /** Builds a {@link LogConfig}. Not thread-safe. */
  public static final class Builder {
    private SyncPolicy syncPolicy = SyncPolicy.ALWAYS;
    private long segmentBytes = 64L << 20;
    private int maxRecordBytes = 16 << 20;
    private int maxBatchBytes = 64 << 20;
    private int maxBatchRecords = 1 << 16;
    private long indexCacheBytes = 64L << 20;
    private long initialIndex = 1;
    private Duration rollAge = Duration.ZERO;
    private long segmentMaxRecords = 0;
    private RecoveryMode recoveryMode = RecoveryMode.TAIL;
    private Clock clock = Clock.systemUTC();
    private Duration retentionAge = Duration.ZERO;
    private long retentionBytes = 0;
    private long retentionRecords = 0;

    private Builder() {}

    public Builder syncPolicy(SyncPolicy policy) {
      this.syncPolicy = Objects.requireNonNull(policy, "syncPolicy");
      return this;
    }

    public Builder segmentBytes(long bytes) {
      this.segmentBytes = bytes;
      return this;
    }

    public Builder maxRecordBytes(int bytes) {
      this.maxRecordBytes = bytes;
      return this;
    }

    public Builder maxBatchBytes(int bytes) {
      this.maxBatchBytes = bytes;
      return this;
    }

    public Builder maxBatchRecords(int records) {
      this.maxBatchRecords = records;
      return this;
    }

    public Builder indexCacheBytes(long bytes) {
      this.indexCacheBytes = bytes;
      return this;
    }

    public Builder initialIndex(long index) {
      this.initialIndex = index;
      return this;
    }

    public Builder rollAge(Duration age) {
      this.rollAge = Objects.requireNonNull(age, "rollAge");
      return this;
    }

    public Builder segmentMaxRecords(long records) {
      this.segmentMaxRecords = records;
      return this;
    }

    public Builder recoveryMode(RecoveryMode mode) {
      this.recoveryMode = Objects.requireNonNull(mode, "recoveryMode");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** See {@link LogConfig#retentionAge()}; zero disables. */
    public Builder retentionAge(Duration age) {
      this.retentionAge = Objects.requireNonNull(age, "retentionAge");
      return this;
    }

    /** See {@link LogConfig#retentionBytes()}; 0 disables. */
    public Builder retentionBytes(long bytes) {
      this.retentionBytes = bytes;
      return this;
    }

    /** See {@link LogConfig#retentionRecords()}; 0 disables. */
    public Builder retentionRecords(long records) {
      this.retentionRecords = records;
      return this;
    }

    /**
     * Validates the options together and builds the configuration.
     *
     * @throws IllegalArgumentException naming the first option that is out of range
     */
    public LogConfig build() {
      if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
        throw new IllegalArgumentException(
            "segmentBytes "
                + segmentBytes
                + " is outside "
                + MIN_SEGMENT_BYTES
                + ".."
                + MAX_SEGMENT_BYTES);
      }
      if (maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxRecordBytes " + maxRecordBytes + " is outside 1.." + MAX_RECORD_BYTES_LIMIT);
      }
      if (maxBatchBytes < maxRecordBytes || maxBatchBytes > MAX_RECORD_BYTES_LIMIT) {
        throw new IllegalArgumentException(
            "maxBatchBytes "
                + maxBatchBytes
                + " is outside maxRecordBytes ("
                + maxRecordBytes
                + ").."
                + MAX_RECORD_BYTES_LIMIT);
      }
      if (maxBatchRecords < 1 || maxBatchRecords > MAX_BATCH_RECORDS_LIMIT) {
        throw new IllegalArgumentException(
            "maxBatchRecords " + maxBatchRecords + " is outside 1.." + MAX_BATCH_RECORDS_LIMIT);
      }
      if (indexCacheBytes < 0) {
        throw new IllegalArgumentException("indexCacheBytes " + indexCacheBytes + " is negative");
      }
      if (initialIndex < 0 || initialIndex > Long.MAX_VALUE / 2) {
        throw new IllegalArgumentException("initialIndex " + initialIndex + " is out of range");
      }
      if (rollAge.isNegative()) {
        throw new IllegalArgumentException("rollAge " + rollAge + " is negative");
      }
      if (segmentMaxRecords < 0) {
        throw new IllegalArgumentException(
            "segmentMaxRecords " + segmentMaxRecords + " is negative");
      }
      if (retentionAge.isNegative()) {
        throw new IllegalArgumentException("retentionAge " + retentionAge + " is negative");
      }
      if (retentionBytes < 0) {
        throw new IllegalArgumentException("retentionBytes " + retentionBytes + " is negative");
      }
      if (retentionRecords < 0) {
        throw new IllegalArgumentException("retentionRecords " + retentionRecords + " is negative");
      }
      return new LogConfig(this);
    }
  }
}
