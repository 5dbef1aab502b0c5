package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowctl.client.Flowctl;
import io.flowctl.proto.Event;
import io.flowctl.testkit.FlowctlTestKit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AmountsTest {
  @Test
  void theSinkGetsTwiceWhatTheSourceSends() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      AtomicLong total = new AtomicLong();
      Flowctl.Component source = kit.start(Amounts.source());
      Flowctl.Component doubler = kit.start(Amounts.doubler());
      Flowctl.Component sink = kit.start(Amounts.total(total));

      // What a runner does: StreamEvents -> Process -> Consume.
      List<Event> amounts = kit.stream(source);
      List<Event> doubled = kit.process(doubler, amounts);
      assertEquals(10, kit.consume(sink, doubled));

      long sent = 0;
      for (int b = 1; b <= 10; b++) {
        for (int i = 0; i < 1_000; i++) {
          sent += b * 1_000L + i;
        }
      }
      assertEquals(2 * sent, total.get());
    }
  }
}
