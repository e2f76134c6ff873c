package io.seglog.bench.peer.systems;

import io.seglog.bench.peer.Durability;
import io.seglog.bench.peer.PeerLog;
import io.seglog.bench.peer.PeerSystem;
import io.seglog.bench.peer.Versions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.storage.log.FetchIsolation;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.storage.internals.log.FetchDataInfo;
import org.apache.kafka.storage.internals.log.LogConfig;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.log.metrics.BrokerTopicStats;

/**
 * Kafka's broker log, {@link UnifiedLog} from kafka-storage, driven as a leader would: {@code
 * appendAsLeader} of uncompressed v2 batches (built per append with {@link MemoryRecords}, as a
 * producer does), {@code flush(true)} per sync (fsync of the segment plus its offset and time
 * indexes), {@code read} with {@code LOG_END} isolation. 64 MiB segments like seglog; everything
 * else at Kafka's defaults. Reads by offset return the whole batch holding it, so a random read in
 * a log of 1000-record batches reads 1000 records.
 */
public final class KafkaPeer implements PeerSystem {
  private final int batchSize;

  public KafkaPeer(int batchSize) {
    this.batchSize = batchSize;
  }

  @Override
  public String name() {
    return "kafka-batch" + batchSize;
  }

  @Override
  public String description() {
    return "Kafka "
        + Versions.of("kafka")
        + " UnifiedLog (kafka-storage), appendAsLeader of "
        + batchSize
        + "-record uncompressed batches, flush(true) per sync, 64 MiB segments";
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public PeerLog open(Path dir, Durability durability, int recordBytes) throws IOException {
    Map<String, Object> props = new HashMap<>();
    props.put("segment.bytes", 64 << 20);
    LogConfig config = new LogConfig(props);
    KafkaScheduler scheduler = new KafkaScheduler(1, true, "kafka-bench-scheduler-");
    scheduler.startup();
    BrokerTopicStats stats = new BrokerTopicStats();
    try {
      UnifiedLog log =
          UnifiedLog.create(
              dir.resolve("bench-0").toFile(), // the directory name must parse as topic-partition
              config,
              0L,
              0L,
              scheduler,
              stats,
              Time.SYSTEM,
              5 * 60_000,
              new ProducerStateManagerConfig(86_400_000, false),
              600_000,
              new LogDirFailureChannel(1),
              true,
              Optional.empty());
      return new KafkaLog(log, scheduler, stats, durability == Durability.EACH_RECORD);
    } catch (IOException | RuntimeException e) {
      shutdown(scheduler, stats);
      throw e;
    }
  }

  private static void shutdown(KafkaScheduler scheduler, BrokerTopicStats stats) {
    try {
      scheduler.shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stats.close();
  }

  private static final class KafkaLog implements PeerLog {
    private final UnifiedLog log;
    private final KafkaScheduler scheduler;
    private final BrokerTopicStats stats;
    private final boolean syncEach;
    private SimpleRecord[] batch = new SimpleRecord[0];

    KafkaLog(UnifiedLog log, KafkaScheduler scheduler, BrokerTopicStats stats, boolean syncEach) {
      this.log = log;
      this.scheduler = scheduler;
      this.stats = stats;
      this.syncEach = syncEach;
    }

    @Override
    public void append(byte[] payload) throws IOException {
      log.appendAsLeader(
          MemoryRecords.withRecords(
              Compression.NONE, new SimpleRecord(System.currentTimeMillis(), payload)),
          0);
      if (syncEach) {
        sync();
      }
    }

    @Override
    public void appendBatch(byte[] payload, int count) throws IOException {
      if (batch.length != count) {
        batch = new SimpleRecord[count];
      }
      long now = System.currentTimeMillis();
      Arrays.fill(batch, new SimpleRecord(now, payload));
      log.appendAsLeader(MemoryRecords.withRecords(Compression.NONE, batch), 0);
    }

    @Override
    public void sync() {
      log.flush(true);
    }

    @Override
    public long readSequential(long count) throws IOException {
      long digest = 0;
      long offset = 0;
      long read = 0;
      while (read < count) {
        FetchDataInfo info = log.read(offset, 1 << 20, FetchIsolation.LOG_END, true);
        boolean any = false;
        for (RecordBatch b : info.records.batches()) {
          for (Record r : b) {
            if (r.offset() >= offset && read < count) {
              digest += digest(r);
              read++;
            }
          }
          offset = b.nextOffset();
          any = true;
        }
        if (!any) {
          throw new IOException("kafka log ends after " + read + " of " + count + " records");
        }
      }
      return digest;
    }

    @Override
    public long readAt(long ordinal) throws IOException {
      FetchDataInfo info = log.read(ordinal, 1, FetchIsolation.LOG_END, true);
      for (RecordBatch b : info.records.batches()) {
        for (Record r : b) {
          if (r.offset() == ordinal) {
            return digest(r);
          }
        }
      }
      throw new IOException("kafka record " + ordinal + " not found");
    }

    private static long digest(Record r) {
      ByteBuffer v = r.value();
      return PeerLog.digest(v.remaining(), v.get(v.position()));
    }

    @Override
    public void close() {
      try {
        log.close();
      } finally {
        shutdown(scheduler, stats);
      }
    }
  }
}
