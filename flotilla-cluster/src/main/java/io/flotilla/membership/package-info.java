/**
 * Who is in the cluster, through JGroups: {@link io.flotilla.membership.Membership} joins with a
 * proof of the cluster token ({@link io.flotilla.membership.HmacAuthToken} in JGroups' AUTH) and
 * reports each agreed {@link io.flotilla.membership.MembershipView}; the first member is the coordinator.
 */
package io.flotilla.membership;
