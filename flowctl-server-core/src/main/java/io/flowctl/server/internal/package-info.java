/**
 * Internal: helpers the server core's packages share (Go duration text, the caller's principal).
 * Not API; they may change in any release.
 */
package io.flowctl.server.internal;
