package io.seglog.bench.peer.systems;

import io.seglog.Entry;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.LogReader;
import io.seglog.Record;
import io.seglog.SyncPolicy;
import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import io.seglog.bench.peer.Versions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * seglog through its public API, default configuration (64 MiB segments) but for the sync policy:
 * {@code NONE} plus {@link Log#sync()} for explicit syncs, {@code ALWAYS} for per-record
 * durability. With a batch size above 1 the runner's batches go through {@link
 * Log#appendBatch(List)}, one frame per batch.
 */
public final class SeglogPeer implements PeerSystem {
  private final int batchSize;
  private final int writeBufferBytes;
  private final boolean mappedReads;

  public SeglogPeer(int batchSize) {
    this(batchSize, 0);
  }

  public SeglogPeer(int batchSize, int writeBufferBytes) {
    this(batchSize, writeBufferBytes, false);
  }

  /**
   * @param writeBufferBytes {@link LogConfig#writeBufferBytes()}: 0 (the default) or, as the naive
   *     baseline does, a user-space buffer (then an acknowledged record survives a process crash
   *     only once flushed, like the baseline's)
   * @param mappedReads {@link LogConfig#mappedReads()}
   */
  public SeglogPeer(int batchSize, int writeBufferBytes, boolean mappedReads) {
    this.batchSize = batchSize;
    this.writeBufferBytes = writeBufferBytes;
    this.mappedReads = mappedReads;
  }

  @Override
  public String name() {
    String name = batchSize == 1 ? "seglog" : "seglog-batch" + batchSize;
    name = writeBufferBytes == 0 ? name : name + "-buf" + (writeBufferBytes >> 20) + "m";
    return mappedReads ? name + "-mapped" : name;
  }

  @Override
  public String description() {
    return "seglog "
        + Versions.of("seglog")
        + (writeBufferBytes == 0
            ? ", default LogConfig"
            : ", LogConfig.writeBufferBytes(" + writeBufferBytes + ")")
        + (mappedReads ? ", LogConfig.mappedReads(true)" : "")
        + ", SyncPolicy NONE + sync() or ALWAYS, "
        + (batchSize == 1 ? "append(byte[])" : "appendBatch of " + batchSize + " entries");
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) {
    SyncPolicy policy = durability == Durability.EACH_RECORD ? SyncPolicy.ALWAYS : SyncPolicy.NONE;
    return new SeglogLog(
        Log.open(
            dir,
            LogConfig.builder()
                .syncPolicy(policy)
                .writeBufferBytes(writeBufferBytes)
                .mappedReads(mappedReads)
                .build()));
  }

  private static final class SeglogLog implements PeerLog {
    private final Log log;
    private final List<Entry> batch = new ArrayList<>();
    private byte[] batchPayload;

    SeglogLog(Log log) {
      this.log = log;
    }

    @Override
    public void append(byte[] payload) {
      log.append(payload);
    }

    @Override
    public void appendBatch(byte[] payload, int count) {
      if (payload != batchPayload || batch.size() != count) {
        batch.clear();
        Entry e = Entry.of(payload);
        for (int i = 0; i < count; i++) {
          batch.add(e);
        }
        batchPayload = payload;
      }
      log.appendBatch(batch);
    }

    @Override
    public void sync() {
      log.sync();
    }

    @Override
    public long readSequential(long count) {
      long digest = 0;
      long first = log.firstIndex();
      try (LogReader reader = log.reader(first, first + count)) {
        while (reader.hasNext()) {
          ByteBuffer p = reader.nextView().payload(); // zero-copy, as Chronicle's reads are
          digest += PeerLog.digest(p.remaining(), p.get(p.position()));
        }
      }
      return digest;
    }

    @Override
    public long readAt(long ordinal) {
      return digest(log.read(log.firstIndex() + ordinal));
    }

    private static long digest(Record r) {
      ByteBuffer p = r.payload();
      return PeerLog.digest(p.remaining(), p.get(p.position()));
    }

    @Override
    public void close() {
      log.close();
    }
  }
}
