/**
 * Codecs, the control-plane client and streaming helpers for services that join a flowctl pipeline.
 */
package io.flowctl.client;
