package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's state-machine example, kept compiling and correct. */
class ReadmeStateMachineExampleTest {

  static class Counter implements StateMachine {
    long total;

    @Override
    public void apply(Record r) {
      total += r.payload().getLong(0); // every record, in order
    }

    @Override
    public void checkpoint(OutputStream out) throws IOException { // streamed: may be huge
      new DataOutputStream(out).writeLong(total);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      total = new DataInputStream(in).readLong();
    }
  }

  @Test
  void readmeExampleWorksAsWritten(@TempDir Path dir) {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    Counter counter = new Counter();
    try (StateMachineLog log = Log.open(dir, config, counter)) {
      ReplayReport r = log.replayReport();
      assertThat(r.recordsReplayed()).isZero();
      log.append(ByteBuffer.allocate(8).putLong(0, 5));
      log.checkpoint();
      log.purgeTo(log.lastIndex());
      assertThat(counter.total).isEqualTo(5);
      log.append(ByteBuffer.allocate(8).putLong(0, 4));
    }
    Counter again = new Counter();
    try (StateMachineLog log = Log.open(dir, config, again)) {
      assertThat(log.replayReport().checkpoint().index()).isEqualTo(1);
      assertThat(log.replayReport().recordsReplayed()).isEqualTo(1);
      assertThat(again.total).isEqualTo(9);
    }
  }
}
