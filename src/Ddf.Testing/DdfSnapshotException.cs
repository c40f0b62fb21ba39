using System;

namespace Ddf.Testing;

/// <summary>
/// A snapshot check failed: generated files differ from their <c>.verified.cs</c> files, are missing or extra, the
/// source has generator diagnostics, or accepting was asked for under <c>CI=true</c>. The message says which and how to accept.
/// </summary>
public sealed class DdfSnapshotException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public DdfSnapshotException(string message) : base(message)
    {
    }
}
