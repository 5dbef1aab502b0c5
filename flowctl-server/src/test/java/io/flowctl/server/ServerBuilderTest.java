package io.flowctl.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.server.store.Stores;
import org.junit.jupiter.api.Test;

/** Settings that would override each other are refused when they are given, naming both. */
class ServerBuilderTest {
  @Test
  void aStoreAndStoresOfTheCaller_cannotBothBeGiven() {
    assertThatThrownBy(() -> FlowctlServer.builder().store("memory").stores(Stores.memory()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stores(...) and store(\"memory\") override each other");
    assertThatThrownBy(() -> FlowctlServer.builder().stores(Stores.memory()).store("memory"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("override each other");
  }
}
