using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Ddf.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ddf.Compiler.Tests;

/// <summary>Runs the generator over source text the way the compiler does, with step tracking on.</summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    // Reference assemblies of .NET 10 plus the assemblies generated code uses, named explicitly so the
    // result does not depend on what the test host happened to load.
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(DynamicFilterAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.Runtime.DdfGeometry).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.ops).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Ddf.onnx).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ILGPU.ArrayView<float>).Assembly.Location),
    ];

    public static CSharpCompilation Compile(bool allowUnsafe = true, params string[] sources) => Create(References, allowUnsafe, sources);

    /// <summary>A compilation that references Ddf.Runtime and ILGPU but not TorchSharp (the generator then emits kernels only).</summary>
    public static CSharpCompilation CompileWithoutTorchSharp(string source) =>
        Create([.. References.Where(r => !r.Display!.EndsWith("TorchSharp.dll", StringComparison.Ordinal))], true, [source]);

    private static CSharpCompilation Create(IEnumerable<MetadataReference> references, bool allowUnsafe, string[] sources) =>
        CSharpCompilation.Create("Tests",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new DdfGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the driver (for reruns), its result and the compilation with the generated files.</summary>
    public static (GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output) Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        var ran = (driver ?? Driver()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (ran, ran.GetRunResult(), output);
    }

    /// <summary>Runs the generator and returns the spec its parse step produced for the only annotated class.</summary>
    public static void Run(CSharpCompilation compilation, out Ddf.Generators.Model.DdfSpec spec)
    {
        var (_, result, _) = Run(compilation);
        spec = result.Results.Single().TrackedSteps[TrackingNames.Spec].SelectMany(s => s.Outputs)
            .Select(o => (Ddf.Generators.Model.DdfSpec)o.Value).Single();
    }

    /// <summary>The diagnostics of the generator, as "ID (line,column)" with 1-based positions, sorted.</summary>
    public static string[] Describe(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Select(d =>
        {
            var span = d.Location.GetLineSpan().StartLinePosition;
            return $"{d.Id} ({span.Line + 1},{span.Character + 1})";
        }).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Compiler errors of the output compilation (the user's code plus the generated files).</summary>
    public static string[] Errors(Compilation output) =>
        output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToArray();
}
