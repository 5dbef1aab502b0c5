/**
 * Not part of the API: argument checks every module shares ({@link io.flowctl.internal.Require}),
 * so that a bad setting fails the same way, naming the setting, wherever it is given.
 */
package io.flowctl.internal;
