package io.seglog.bench.peer.systems;

import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import io.seglog.bench.peer.Versions;
import java.nio.file.Path;
import java.util.Arrays;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Chronicle Queue (open source), a memory-mapped queue: one appender writing raw bytes documents
 * with {@code writingDocument()}, tailers reading them back. Syncs are {@code msync(MS_SYNC)}
 * through {@link ExcerptAppender#sync()} with {@code SyncMode.SYNC}. Random reads move a tailer to
 * the Chronicle index recorded for each ordinal at append time (one long per record, as the
 * baseline keeps).
 *
 * <p>Needs the {@code --add-opens}/{@code --add-exports} flags of {@code peer-runner.sh} on Java
 * 17.
 */
public final class ChroniclePeer implements PeerSystem {
  @Override
  public String name() {
    return "chronicle";
  }

  @Override
  public String description() {
    return "Chronicle Queue "
        + Versions.of("chronicle-queue")
        + " single(), LARGE_DAILY roll cycle, SyncMode.SYNC + appender.sync() (msync) per sync";
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) {
    ChronicleQueue queue =
        SingleChronicleQueueBuilder.single(dir.toFile())
            .rollCycle(LargeRollCycles.LARGE_DAILY)
            .syncMode(SyncMode.SYNC)
            .build();
    return new ChronicleLog(queue, durability == Durability.EACH_RECORD);
  }

  private static final class ChronicleLog implements PeerLog {
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final boolean syncEach;
    private ExcerptTailer randomTailer;
    private long[] indices = new long[1 << 16];
    private int count;

    ChronicleLog(ChronicleQueue queue, boolean syncEach) {
      this.queue = queue;
      this.appender = queue.createAppender();
      this.syncEach = syncEach;
    }

    @Override
    public void append(byte[] payload) {
      try (DocumentContext dc = appender.writingDocument()) {
        dc.wire().bytes().write(payload);
      }
      if (count == indices.length) {
        indices = Arrays.copyOf(indices, count * 2);
      }
      indices[count++] = appender.lastIndexAppended();
      if (syncEach) {
        appender.sync();
      }
    }

    @Override
    public void sync() {
      appender.sync();
    }

    @Override
    public long readSequential(long n) {
      long digest = 0;
      try (ExcerptTailer tailer = queue.createTailer()) {
        for (long i = 0; i < n; i++) {
          try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
              throw new IllegalStateException("chronicle queue ends after " + i + " of " + n);
            }
            digest += digest(dc.wire().bytes());
          }
        }
      }
      return digest;
    }

    @Override
    public long readAt(long ordinal) {
      if (randomTailer == null) {
        randomTailer = queue.createTailer();
      }
      if (!randomTailer.moveToIndex(indices[(int) ordinal])) {
        throw new IllegalStateException("chronicle cannot move to record " + ordinal);
      }
      try (DocumentContext dc = randomTailer.readingDocument()) {
        return digest(dc.wire().bytes());
      }
    }

    private static long digest(Bytes<?> bytes) {
      long size = bytes.readRemaining();
      return PeerLog.digest((int) size, bytes.readByte(bytes.readPosition()));
    }

    @Override
    public void close() {
      if (randomTailer != null) {
        randomTailer.close();
      }
      appender.close();
      queue.close();
    }
  }
}
