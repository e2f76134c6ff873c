package io.seglog.bench.peer.systems;

import com.squareup.tape2.QueueFile;
import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import io.seglog.bench.peer.Versions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Square Tape's {@link QueueFile}: a single-file FIFO queue. It opens its file in {@code "rwd"}
 * mode, so every {@code add} writes the data and then the header synchronously: it is durable per
 * record whatever the workload asks, and {@link #open} ignores the durability. No read by index:
 * only the iterator, from the head.
 */
public final class TapePeer implements PeerSystem {
  @Override
  public String name() {
    return "tape";
  }

  @Override
  public String description() {
    return "Square Tape "
        + Versions.of("tape")
        + " QueueFile, zero(false); always synchronous (rwd)";
  }

  @Override
  public String caveat(Durability durability) {
    return durability == Durability.EACH_RECORD
        ? ""
        : "every add is synchronous (file opened \"rwd\"): it cannot run without sync, so its"
            + " no-sync figures are durable-per-record figures";
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) throws IOException {
    return new TapeLog(new QueueFile.Builder(dir.resolve("queue").toFile()).zero(false).build());
  }

  private static final class TapeLog implements PeerLog {
    private final QueueFile queue;

    TapeLog(QueueFile queue) {
      this.queue = queue;
    }

    @Override
    public void append(byte[] payload) throws IOException {
      queue.add(payload);
    }

    @Override
    public void sync() {
      // every add already reached the disk
    }

    @Override
    public long readSequential(long count) {
      long digest = 0;
      Iterator<byte[]> it = queue.iterator();
      for (long i = 0; i < count; i++) {
        byte[] p = it.next();
        digest += PeerLog.digest(p.length, p[0]);
      }
      return digest;
    }

    @Override
    public boolean supportsRandomRead() {
      return false;
    }

    @Override
    public long readAt(long ordinal) {
      throw new UnsupportedOperationException("QueueFile has no read by index");
    }

    @Override
    public void close() throws IOException {
      queue.close();
    }
  }
}
