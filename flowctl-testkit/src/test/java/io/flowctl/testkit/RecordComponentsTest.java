package io.flowctl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.Flowctl;
import io.flowctl.client.RecordMapping;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Components about their data, not about vectors: a source that produces records, a processor that
 * takes and gives records, a sink that receives them, each a few lines; the schema each registers
 * is its record's mapping.
 */
class RecordComponentsTest {
  record Leg(String asset, long amount) {}

  record Transfer(String id, Instant at, List<Leg> legs, Optional<String> memo, Long fee) {}

  record Total(String asset, long amount, int legs) {}

  @Test
  void recordComponents_runUnderTheRunnersCalls_andRegisterTheirRecordsSchemas() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      // region records
      Flowctl.Component source =
          kit.start(
              Flowctl.source("transfers")
                  .output("demo.Transfer", Transfer.class)
                  .produceRecords(
                      Transfer.class,
                      out -> {
                        for (int i = 0; i < 1_000; i++) {
                          List<Leg> legs = List.of(new Leg(i % 2 == 0 ? "XLM" : "USDC", i));
                          out.emit(
                              new Transfer("t" + i, Instant.EPOCH, legs, Optional.empty(), null));
                        }
                      })
                  .batching(250, 1 << 20, java.time.Duration.ofSeconds(1)));
      Flowctl.Component totals =
          kit.start(
              Flowctl.processor("totals")
                  .input("demo.Transfer", Transfer.class)
                  .output("demo.Total", Total.class)
                  .onRecords(
                      Transfer.class,
                      Total.class,
                      in ->
                          in.stream()
                              .flatMap(t -> t.legs().stream())
                              .collect(
                                  Collectors.groupingBy(
                                      Leg::asset, TreeMap::new, Collectors.toList()))
                              .entrySet()
                              .stream()
                              .map(
                                  e ->
                                      new Total(
                                          e.getKey(),
                                          e.getValue().stream().mapToLong(Leg::amount).sum(),
                                          e.getValue().size()))
                              .toList()));
      List<Total> received = new CopyOnWriteArrayList<>();
      Flowctl.Component sink =
          kit.start(
              Flowctl.consumer("sink")
                  .input("demo.Total", Total.class)
                  .onRecords(Total.class, received::addAll));
      // endregion

      List<Event> transfers = kit.stream(source);
      assertThat(transfers).hasSize(4); // 1,000 records in batches of 250
      List<Event> made = kit.process(totals, transfers);
      assertThat(kit.consume(sink, made)).isEqualTo(made.size());

      Map<String, long[]> sums = new TreeMap<>();
      for (Total t : received) {
        long[] s = sums.computeIfAbsent(t.asset(), k -> new long[2]);
        s[0] += t.amount();
        s[1] += t.legs();
      }
      assertThat(sums.get("XLM")).containsExactly(249_500L, 500L); // 0 + 2 + … + 998
      assertThat(sums.get("USDC")).containsExactly(250_000L, 500L); // 1 + 3 + … + 999
      // What each registered is its record's mapping.
      assertThat(kit.controlPlane().schemas().latest("demo.Transfer").orElseThrow().fingerprint())
          .isEqualTo(SchemaFingerprints.structural(RecordMapping.of(Transfer.class).schema()));
      assertThat(kit.controlPlane().schemas().latest("demo.Total").orElseThrow().fingerprint())
          .isEqualTo(SchemaFingerprints.structural(RecordMapping.of(Total.class).schema()));
    }
  }
}
