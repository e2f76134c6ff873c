package io.seglog.bench.peer;

import io.seglog.bench.peer.systems.BaselinePeer;
import io.seglog.bench.peer.systems.ChroniclePeer;
import io.seglog.bench.peer.systems.KafkaPeer;
import io.seglog.bench.peer.systems.RatisPeer;
import io.seglog.bench.peer.systems.SeglogPeer;
import io.seglog.bench.peer.systems.TapePeer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The registry of systems, by name. Peers are created lazily so that one whose classes fail to load
 * is reported as failed rather than stopping the runner.
 */
final class PeerSystems {
  private static final Map<String, Supplier<PeerSystem>> SYSTEMS = new LinkedHashMap<>();

  static {
    SYSTEMS.put("baseline", BaselinePeer::new);
    SYSTEMS.put("seglog", () -> new SeglogPeer(1));
    SYSTEMS.put("seglog-batch1000", () -> new SeglogPeer(1000));
    SYSTEMS.put("seglog-buf1m", () -> new SeglogPeer(1, 1 << 20));
    // Upper bounds of coalescing single appends into frames of 8 or 16 records (not built: one
    // append is one frame, DESIGN.md section 3): the same records, in batches, through the same
    // buffer.
    SYSTEMS.put("seglog-batch8-buf1m", () -> new SeglogPeer(8, 1 << 20));
    SYSTEMS.put("seglog-batch16-buf1m", () -> new SeglogPeer(16, 1 << 20));
    SYSTEMS.put("seglog-mapped", () -> new SeglogPeer(1, 0, true));
    SYSTEMS.put("seglog-buf1m-mapped", () -> new SeglogPeer(1, 1 << 20, true));
    SYSTEMS.put("chronicle", ChroniclePeer::new);
    SYSTEMS.put("kafka-batch1", () -> new KafkaPeer(1));
    SYSTEMS.put("kafka-batch1000", () -> new KafkaPeer(1000));
    SYSTEMS.put("ratis", RatisPeer::new);
    SYSTEMS.put("tape", TapePeer::new);
  }

  private PeerSystems() {}

  static List<String> names() {
    return new ArrayList<>(SYSTEMS.keySet());
  }

  static PeerSystem create(String name) {
    Supplier<PeerSystem> s = SYSTEMS.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown system '" + name + "'; known: " + names());
    }
    return s.get();
  }
}
