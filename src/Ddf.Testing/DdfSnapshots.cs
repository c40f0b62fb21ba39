using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Ddf.Testing;

/// <summary>
/// Snapshot tests of the code Ddf.Compiler generates for your layers. Each generated file is compared with
/// <c>Snapshots/{name}#{hint name}.verified.cs</c> beside the calling test file (the hint name without <c>.cs</c>, for
/// example <c>Snapshots/Down#MyNet.Down.Module.g.verified.cs</c>). On a difference, a missing or an extra file the check
/// writes <c>.received.cs</c> beside it and throws a <see cref="DdfSnapshotException"/> whose message shows a line diff.
/// With the environment variable <c>DDF_ACCEPT_SNAPSHOTS=1</c> it writes the verified files instead (and deletes the
/// stale ones); under <c>CI=true</c> accepting is refused with an exception, so CI always compares.
/// Snapshots are compared with LF line ends and the generator version in <c>[GeneratedCode]</c> written as VERSION,
/// so upgrading the package shows only real changes of the generated code.
/// </summary>
public static class DdfSnapshots
{
    /// <summary>
    /// Runs the Ddf.Compiler generator the test project builds with on <paramref name="source"/> (C# declaring one or
    /// more <c>[DynamicFilter]</c> / <c>[DynamicFilterUp]</c> classes) as a build of a project referencing Ddf.Compiler
    /// does (C# latest, the .NET 10 reference assemblies, Ddf.Compiler's assemblies with TorchSharp and ILGPU, unsafe
    /// code allowed), and compares each generated file with its snapshot. Generator diagnostics, or compile errors in
    /// the source, make it throw, listing them.
    /// </summary>
    /// <param name="source">The C# source declaring the layers.</param>
    /// <param name="name">The snapshot name: the files are <c>Snapshots/{name}#{hint name}.verified.cs</c>.</param>
    /// <param name="callerFile">The test's source file; the compiler fills it in.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Verify(string source, string name, [CallerFilePath] string callerFile = "")
    {
        var caller = Assembly.GetCallingAssembly();
        Verify(source, name, CallerPaths.SnapshotFolder(callerFile, caller), GeneratorAssembly.For(caller), SnapshotEnvironment.Current);
    }

    /// <summary>
    /// Compares the files the build generated for <typeparamref name="TLayer"/>, a <c>[DynamicFilter]</c> or
    /// <c>[DynamicFilterUp]</c> class compiled into the test's own assembly (or any assembly with its portable PDB
    /// beside it or embedded), with their snapshots. The files are read back from the PDB, where the compiler embeds
    /// every generated file: exactly what the build compiled.
    /// </summary>
    /// <param name="name">The snapshot name; by default the class's name.</param>
    /// <param name="callerFile">The test's source file; the compiler fills it in.</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Verify<TLayer>(string? name = null, [CallerFilePath] string callerFile = "")
        where TLayer : class
    {
        var caller = Assembly.GetCallingAssembly();
        Verify(typeof(TLayer), name ?? typeof(TLayer).Name, CallerPaths.SnapshotFolder(callerFile, caller), SnapshotEnvironment.Current);
    }

    /// <summary><see cref="Verify(string, string, string)"/> with the folder, generator and environment given.</summary>
    internal static void Verify(string source, string name, string folder, ISourceGenerator generator, SnapshotEnvironment environment)
    {
        CheckName(name);
        var compilation = GeneratorRun.Compile(GeneratorRun.References, allowUnsafe: true, source);
        var driver = GeneratorRun.Driver(generator, trackSteps: false).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var result = driver.GetRunResult();
        if (result.Results.Any(r => r.Exception is not null))
            throw new DdfSnapshotException($"The generator failed: {result.Results.First(r => r.Exception is not null).Exception}");
        if (!result.Diagnostics.IsEmpty)
            throw new DdfSnapshotException($"The generator reported diagnostics for the source of {name}:\n{GeneratorRun.Describe(result.Diagnostics)}");
        // The source's own errors (with the generated files in the compilation; binding all of them would cost
        // seconds per call, and the generator's tests compile every spec's output).
        var errors = compilation.SyntaxTrees.SelectMany(tree => output.GetSemanticModel(tree).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0)
            throw new DdfSnapshotException($"The source of {name} does not compile:\n{GeneratorRun.Describe(errors)}");
        var files = GeneratorRun.Files(result).ToList();
        if (files.Count == 0)
            throw new DdfSnapshotException($"The source of {name} declares no [DynamicFilter] or [DynamicFilterUp] class: nothing was generated.");
        SnapshotFiles.Match(folder, name, files, environment);
    }

    /// <summary><see cref="Verify{TLayer}(string, string)"/> with the folder and environment given.</summary>
    internal static void Verify(Type layer, string name, string folder, SnapshotEnvironment environment)
    {
        CheckName(name);
        SnapshotFiles.Match(folder, name, CompiledLayers.Files(layer), environment);
    }

    private static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['#', '/', '\\', '*', '?']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{name}' is not a snapshot name: it is part of file names (no '#', '*', '?' or path separators).", nameof(name));
    }
}
