package io.seglog.bench.peer.systems;

import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import io.seglog.bench.peer.Versions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;

/**
 * Apache Ratis' {@link SegmentedRaftLog} on its own, without a server or state machine, as the
 * Ratis tests drive it: {@code appendEntry} of one {@link LogEntryProto} per record (term 1, the
 * payload as the state-machine log data), 64 MiB segments, other settings at Ratis' defaults.
 *
 * <p>Ratis has no "no sync" mode: its log worker thread fsyncs by itself whenever its queue drains
 * or 128 entries are pending ({@code raft.server.log.force.sync.num}), and an append's future
 * completes once the entry is flushed. So {@link #sync()} waits for every pending append future,
 * and an explicit-sync run keeps at most {@value #MAX_PENDING} appends in flight. Reads of recent
 * segments are served from Ratis' in-memory entry cache.
 */
public final class RatisPeer implements PeerSystem {
  static final int MAX_PENDING = 2048;
  private static final long WAIT_SECONDS = 120;

  @Override
  public String name() {
    return "ratis";
  }

  @Override
  public String description() {
    return "Apache Ratis "
        + Versions.of("ratis")
        + " SegmentedRaftLog (no server), appendEntry per record, 64 MiB segments";
  }

  @Override
  public String caveat(Durability durability) {
    return durability == Durability.EACH_RECORD
        ? ""
        : "cannot run without fsync: its log worker fsyncs whenever its queue drains or 128"
            + " entries are pending";
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) throws IOException {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("64MB"));
    RaftStorage storage =
        RaftStorage.newBuilder()
            .setDirectory(dir.toFile())
            .setOption(RaftStorage.StartupOption.FORMAT)
            .setStorageFreeSpaceMin(SizeInBytes.ZERO)
            .build();
    storage.initialize();
    SegmentedRaftLog log =
        SegmentedRaftLog.newBuilder()
            .setMemberId(
                RaftGroupMemberId.valueOf(RaftPeerId.valueOf("bench"), RaftGroupId.randomId()))
            .setStorage(storage)
            .setProperties(props)
            .build();
    log.open(RaftLog.INVALID_LOG_INDEX, null);
    return new RatisLog(log, storage, durability == Durability.EACH_RECORD);
  }

  private static final class RatisLog implements PeerLog {
    private final SegmentedRaftLog log;
    private final RaftStorage storage;
    private final boolean syncEach;
    private final ArrayDeque<CompletableFuture<Long>> pending = new ArrayDeque<>();
    private long nextIndex = 0;
    private byte[] lastPayload;
    private ByteString lastBytes;

    RatisLog(SegmentedRaftLog log, RaftStorage storage, boolean syncEach) {
      this.log = log;
      this.storage = storage;
      this.syncEach = syncEach;
    }

    @Override
    public void append(byte[] payload) throws Exception {
      if (payload != lastPayload) {
        lastPayload = payload;
        lastBytes = ByteString.copyFrom(payload);
      }
      // Each entry is built per append, as a Raft leader does for each client request.
      LogEntryProto entry =
          LogEntryProto.newBuilder()
              .setTerm(1)
              .setIndex(nextIndex)
              .setStateMachineLogEntry(
                  StateMachineLogEntryProto.newBuilder().setLogData(lastBytes).setCallId(nextIndex))
              .build();
      nextIndex++;
      CompletableFuture<Long> f = log.appendEntry(entry);
      if (syncEach) {
        await(f);
      } else {
        pending.add(f);
        if (pending.size() > MAX_PENDING) {
          await(pending.poll());
        }
      }
    }

    @Override
    public void sync() throws Exception {
      while (!pending.isEmpty()) {
        await(pending.poll());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (log.getFlushIndex() < nextIndex - 1) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "ratis flush index " + log.getFlushIndex() + " below " + (nextIndex - 1));
        }
        Thread.onSpinWait();
      }
    }

    private static void await(CompletableFuture<Long> f)
        throws InterruptedException, ExecutionException, TimeoutException {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public long readSequential(long count) throws IOException {
      long digest = 0;
      for (long i = 0; i < count; i++) {
        digest += readAt(i);
      }
      return digest;
    }

    @Override
    public long readAt(long ordinal) throws IOException {
      LogEntryProto e = log.get(ordinal);
      ByteString data = e.getStateMachineLogEntry().getLogData();
      return PeerLog.digest(data.size(), data.byteAt(0));
    }

    @Override
    public void close() throws IOException {
      try {
        log.close();
      } finally {
        storage.close();
      }
    }
  }
}
