/**
 * Testing components as they run: {@link io.flowctl.testkit.FlowctlTestKit} starts a control plane
 * and your components on loopback and drives them as upstream's runner does.
 */
package io.flowctl.testkit;
