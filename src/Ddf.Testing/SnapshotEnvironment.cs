using System;

namespace Ddf.Testing;

/// <summary>
/// What the environment asks of a snapshot check: <c>DDF_ACCEPT_SNAPSHOTS=1</c> to accept, and whether it runs on CI
/// (<c>CI=true</c>), where accepting is refused. Tests pass their own values instead of changing the process's environment.
/// </summary>
internal readonly record struct SnapshotEnvironment(bool Accept, bool Ci)
{
    public const string AcceptVariable = "DDF_ACCEPT_SNAPSHOTS";

    public static SnapshotEnvironment Current => From(Environment.GetEnvironmentVariable);

    public static SnapshotEnvironment From(Func<string, string?> variable) => new(
        variable(AcceptVariable) == "1",
        string.Equals(variable("CI"), "true", StringComparison.OrdinalIgnoreCase));
}
