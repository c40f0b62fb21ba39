using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Ddf.Testing;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// The generator's snapshots, checked by Ddf.Testing's snapshot files code (the one users' tests run): one
/// <c>tests/Ddf.Compiler.Tests/Snapshots/{name}#{hint}.verified.cs</c> per generated file; a mismatch or a missing file
/// writes <c>.received.cs</c> beside it and fails with a diff; <c>DDF_ACCEPT_SNAPSHOTS=1</c> rewrites them, refused under <c>CI=true</c>.
/// </summary>
internal static class SnapshotAssert
{
    public static readonly string Folder = typeof(SnapshotAssert).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SnapshotFolder").Value!;

    public static void Match(GeneratorDriverRunResult result, string name) => Match(GeneratorRun.Files(result), name);

    /// <summary>Checks these generated files only: verified files of this name beyond them fail as stale.</summary>
    public static void Match(IEnumerable<(string HintName, string Text)> files, string name)
    {
        Assert.True(Directory.Exists(Folder), $"snapshot folder {Folder} does not exist");
        SnapshotFiles.Match(Folder, name, files, SnapshotEnvironment.Current);
    }
}
