package io.flowctl.server.monitoring;

import io.flowctl.server.monitoring.view.Alert;

/**
 * Receives alerts as they are raised and cleared; a host delivers them where it likes (pager, chat,
 * log). Called on the thread that recorded the heartbeat or registration: hand slow work off.
 */
public interface AlertListener {
  void raised(Alert alert);

  default void cleared(Alert alert) {}
}
