using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Ddf.Testing;

/// <summary>
/// The Ddf generator the test project's compiler was given: its path is recorded by Ddf.Testing's build logic
/// (<c>buildTransitive/Ddf.Testing.targets</c>, assembly metadata <c>Ddf.Testing.Generator</c>); the assembly is loaded
/// once per path into a load context of its own (Roslyn and everything else come from the test's), as the compiler
/// loads analyzers, and its generators are taken through <see cref="AnalyzerFileReference"/>, as the compiler takes them.
/// </summary>
internal static class GeneratorAssembly
{
    public const string MetadataKey = "Ddf.Testing.Generator";

    private static readonly ConcurrentDictionary<string, ISourceGenerator> Loaded = new(StringComparer.Ordinal);

    public static ISourceGenerator For(Assembly? caller)
    {
        string? path = CallerMetadata.Find(caller, MetadataKey).FirstOrDefault(File.Exists);
        if (path is null)
            throw new DdfSnapshotException(
                "Ddf.Testing did not find the Ddf.Generators analyzer of this test project: reference the Ddf.Testing package " +
                "(with Ddf.Compiler) from the test project itself; its build logic records the analyzer's path in the test assembly.");
        return Loaded.GetOrAdd(Path.GetFullPath(path), Load);
    }

    private static ISourceGenerator Load(string path)
    {
        var reference = new AnalyzerFileReference(path, new Loader());
        var generators = reference.GetGenerators(LanguageNames.CSharp);
        if (generators.Length != 1)
            throw new DdfSnapshotException($"{path} holds {generators.Length} C# generators, not one.");
        return generators[0];
    }

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        private readonly ConcurrentDictionary<string, Assembly> _assemblies = new(StringComparer.Ordinal);

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) =>
            _assemblies.GetOrAdd(fullPath, static p => new GeneratorLoadContext(p).LoadFromAssemblyPath(p));
    }

    /// <summary>
    /// The generator and the assemblies shipped beside it (Ddf.Abstractions, the DSL it reads its names and defaults
    /// from), as the compiler loads them; Roslyn and anything else resolve to the test's copies, so the types match.
    /// </summary>
    private sealed class GeneratorLoadContext(string path) : AssemblyLoadContext($"Ddf.Testing: {path}")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string beside = Path.Combine(Path.GetDirectoryName(path)!, assemblyName.Name + ".dll");
            return assemblyName.Name != "Microsoft.CodeAnalysis" && !assemblyName.Name!.StartsWith("Microsoft.CodeAnalysis.", StringComparison.Ordinal)
                && File.Exists(beside) ? LoadFromAssemblyPath(beside) : null;
        }
    }
}
