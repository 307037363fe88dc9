package dev.pitstop.maintenance;

/**
 * A role's connection limit ({@code pg_roles.rolconnlimit}).
 *
 * @param role the role
 * @param connectionLimit the limit; -1 means unlimited; null when not known
 */
public record RoleLimit(String role, Integer connectionLimit) {}
