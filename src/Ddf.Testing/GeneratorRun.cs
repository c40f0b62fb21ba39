using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ddf.Testing;

/// <summary>
/// Runs a source generator over C# source the way a build of a project referencing Ddf.Compiler does: the same parse
/// options for the sources and the driver, the .NET 10 reference assemblies, the assemblies the Ddf.Compiler package
/// brings (Ddf.Abstractions, Ddf.Runtime, Ddf.TorchSharp, TorchSharp, ILGPU; TorchSharp being referenced is what makes
/// the generator emit layers and not only kernels) and unsafe code allowed (the package's build logic sets it).
/// The generator's own tests (tests/Ddf.Compiler.Tests) build their compilations here too.
/// </summary>
internal static class GeneratorRun
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// Named explicitly, so the result does not depend on which assemblies the test host happened to load.
    /// </summary>
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(DynamicFilterAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.Runtime.DdfGeometry).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.ops).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.onnx).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ILGPU.ArrayView<float>).Assembly.Location),
    ];

    public static CSharpCompilation Compile(IEnumerable<MetadataReference> references, bool allowUnsafe, params string[] sources) =>
        CSharpCompilation.Create("Snapshots",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(ISourceGenerator generator, bool trackSteps) =>
        CSharpGeneratorDriver.Create(
            [generator],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>The generated files of a run, as (hint name, text).</summary>
    public static IEnumerable<(string HintName, string Text)> Files(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString()));

    /// <summary>One diagnostic per line: <c>DDF0001 Error Source0.cs(4,5): message</c>, sorted by position.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .Select(d =>
            {
                var span = d.Location.GetLineSpan();
                string where = d.Location.IsInSource ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})" : "(no location)";
                return $"{d.Id} {d.Severity} {where}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            }));
}
