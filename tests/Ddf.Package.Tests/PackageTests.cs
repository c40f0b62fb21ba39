using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Ddf.Package.Tests;

/// <summary>
/// `dotnet pack Ddf.Compiler.sln` gives exactly the shipping packages; a fresh consumer project outside the
/// solution whose only references are Ddf.Compiler, TorchSharp and TorchSharp's CPU backend, with no
/// RuntimeIdentifier, builds, runs a [DynamicFilter] and a [DynamicFilterUp] layer forward and backward under
/// `dotnet run` and after `dotnet publish` (framework-dependent and self-contained), each time loading the
/// libLibTorchSharp.so of its own output; its generated module matches the generator's snapshot.
/// </summary>
public sealed partial class PackageTests : IClassFixture<PackageTests.Consumer>
{
    private static readonly string RepoRoot = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    private readonly Consumer consumer;

    public PackageTests(Consumer consumer) => this.consumer = consumer;

    private static string Run(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        string all = output.Result + error.Result;
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{all}");
        return all;
    }

    private static string Dotnet(string workingDirectory, params string[] arguments) => Run(workingDirectory, "dotnet", arguments);

    /// <summary>A nuget.config in <paramref name="directory"/> whose only source is <paramref name="feed"/>.</summary>
    private static void WriteNuGetConfig(string directory, string feed) =>
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);

    /// <summary>
    /// Packs the solution once (from a copy of the sources, so the repository's own obj/ folders, which other
    /// test projects may be building from at the same time, are never restored with another version) and
    /// writes a consumer project that uses the feed.
    /// </summary>
    public sealed class Consumer : IDisposable
    {
        // A version of its own, so the NuGet cache cannot hand back an older build of the package.
        public readonly string Version = $"0.1.0-check.{DateTime.UtcNow:yyyyMMddHHmmss}";
        public readonly string Root = Directory.CreateTempSubdirectory("ddf-package-").FullName;
        public string Feed => Path.Combine(Root, "feed");
        public string ProjectDirectory => Path.Combine(Root, "consumer");

        public Consumer()
        {
            try
            {
                string sources = Path.Combine(Root, "sources");
                CopySources(RepoRoot, sources);
                Dotnet(sources, "pack", "Ddf.Compiler.sln", "-c", "Release", "-o", Feed, $"-p:Version={Version}");
                WriteConsumer();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        private void WriteConsumer()
        {

            Directory.CreateDirectory(ProjectDirectory);
            WriteNuGetConfig(ProjectDirectory, Feed);
            // The two PackageReferences a user needs besides TorchSharp itself: no RuntimeIdentifier, no other setting.
            File.WriteAllText(Path.Combine(ProjectDirectory, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Ddf.Compiler" Version="{Version}" />
                    <PackageReference Include="TorchSharp" Version="0.107.0" />
                    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(ProjectDirectory, "Program.cs"), """
                using System.IO;
                using System.Linq;
                using Ddf;
                using static TorchSharp.torch;

                var layer = new Layer(8);
                var up = new Up(8);
                var x = randn(2, 8, 9, 20).requires_grad_(true);
                var y = up.forward(layer.forward(x));
                y.sum().backward();
                System.Console.WriteLine($"shape {string.Join("x", y.shape)} finite-grad {x.grad!.isfinite().all().item<bool>()} nonzero-grad {x.grad!.abs().sum().item<float>() > 0}");
                // Which copy of TorchSharp's native library the process runs.
                string loaded = File.ReadLines("/proc/self/maps").Select(line => line.Split(' ', System.StringSplitOptions.RemoveEmptyEntries).Last())
                    .First(path => path.EndsWith("/libLibTorchSharp.so"));
                System.Console.WriteLine($"loaded {loaded}");
                // Reference weights in PyTorch's format load strictly through the package's TorchSharp.PyBridge dependency.
                TorchSharp.PyBridge.PyBridgeModuleExtensions.save_py(layer, "layer.pt");
                var copy = new Layer(8).load_weights("layer.pt");
                System.Console.WriteLine($"weights equal {copy.state_dict().All(entry => entry.Value.eq(layer.state_dict()[entry.Key]).all().item<bool>())}");
                Ddf.onnx.export(up, [randn(1, 8, 6, 6)], "up.onnx");
                System.Console.WriteLine($"onnx written {new System.IO.FileInfo("up.onnx").Length > 0}");

                [DynamicFilter(KernelSize = 5)]
                partial class Layer;

                [DynamicFilterUp(ScaleFactor = 2)]
                partial class Up;
                """);
        }

        public void Dispose()
        {
            // The packages this run put in the NuGet cache go with it.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string[] ids = Directory.Exists(Feed)
                ? Directory.GetFiles(Feed, "*.nupkg").Select(file => Path.GetFileName(file)[..^$".{Version}.nupkg".Length].ToLowerInvariant()).ToArray()
                : Array.Empty<string>();
            Directory.Delete(Root, recursive: true);
            foreach (string id in ids)
            {
                string cached = Path.Combine(cache, id, Version);
                if (Directory.Exists(cached))
                    Directory.Delete(cached, recursive: true);
            }
        }

        private static void CopySources(string from, string to)
        {
            string[] skipped = { "bin", "obj", ".git", "TestResults", "BenchmarkDotNet.Artifacts", "artifacts", "ddf-output" };
            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(from))
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            foreach (string directory in Directory.GetDirectories(from).Where(d => !skipped.Contains(Path.GetFileName(d))))
                CopySources(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>The packable projects are the shipping ones (IsPackable=true in their project file, under src/): exactly their packages come out.</summary>
    [Fact]
    public void Packing_the_solution_gives_exactly_the_shipping_packages()
    {
        string[] shipping = Directory.GetFiles(Path.Combine(RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(project => File.ReadAllText(project).Contains("<IsPackable>true</IsPackable>"))
            .Select(project => Path.GetFileNameWithoutExtension(project)!).Order().ToArray();
        Assert.Contains("Ddf.Compiler", shipping);
        string[] packed = Directory.GetFiles(consumer.Feed, "*.nupkg").Select(Path.GetFileName)
            .Select(file => file![..^$".{consumer.Version}.nupkg".Length]).Order().ToArray();
        Assert.Equal(shipping, packed);
        foreach (string id in shipping)
            Assert.True(File.Exists(Path.Combine(consumer.Feed, $"{id}.{consumer.Version}.snupkg")), $"{id} has no symbol package");
    }

    [Fact]
    public void A_consumer_without_a_RuntimeIdentifier_builds_and_runs_its_layers()
    {
        string output = Dotnet(consumer.ProjectDirectory, "run", "-c", "Release");
        Assert.Contains("shape 2x8x18x40 finite-grad True nonzero-grad True", output);
        Assert.Contains("weights equal True", output);
        // The output's own copy (patched where the system libstdc++ needs it), not one TorchSharp's loader
        // consolidates from the NuGet cache into cpu/ after a failed regular load.
        string bin = Path.Combine(consumer.ProjectDirectory, "bin", "Release", "net10.0");
        Assert.Contains($"loaded {Path.Combine(bin, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")}", output);
        Assert.False(Directory.Exists(Path.Combine(bin, "cpu")));

        string generated = Directory.GetFiles(Path.Combine(consumer.ProjectDirectory, "obj"), "Layer.Module.g.cs", SearchOption.AllDirectories).First();
        string verified = File.ReadAllText(Path.Combine(RepoRoot, "tests/Ddf.Compiler.Tests/Snapshots/SnapshotTests.PackageConsumer#Layer.Module.g.verified.cs"));
        Assert.Equal(Normalise(verified.Substring(verified.IndexOf('\n') + 1)), Normalise(File.ReadAllText(generated)));
        Assert.Contains("onnx written True", output);
        string onnxWriter = Directory.GetFiles(Path.Combine(consumer.ProjectDirectory, "obj"), "Layer.Onnx.g.cs", SearchOption.AllDirectories).First();
        string onnxVerified = File.ReadAllText(Path.Combine(RepoRoot, "tests/Ddf.Compiler.Tests/Snapshots/SnapshotTests.PackageConsumer#Layer.Onnx.g.verified.cs"));
        Assert.Equal(Normalise(onnxVerified.Substring(onnxVerified.IndexOf('\n') + 1)), Normalise(File.ReadAllText(onnxWriter)));
    }

    [Fact]
    public void A_published_consumer_runs_framework_dependent_and_self_contained()
    {
        string portable = Path.Combine(consumer.Root, "publish-portable");
        Dotnet(consumer.ProjectDirectory, "publish", "-c", "Release", "-o", portable);
        string output = Dotnet(consumer.Root, Path.Combine(portable, "Consumer.dll"));
        Assert.Contains("shape 2x8x18x40 finite-grad True nonzero-grad True", output);
        Assert.Contains($"loaded {Path.Combine(portable, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")}", output);

        string selfContained = Path.Combine(consumer.Root, "publish-self-contained");
        Dotnet(consumer.ProjectDirectory, "publish", "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", selfContained);
        output = Run(consumer.Root, Path.Combine(selfContained, "Consumer"));
        Assert.Contains("shape 2x8x18x40 finite-grad True nonzero-grad True", output);
        Assert.Contains($"loaded {Path.Combine(selfContained, "libLibTorchSharp.so")}", output);
    }

    /// <summary>LF line ends, no BOM, the generator's version as VERSION (as the generator's snapshots do).</summary>
    private static string Normalise(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text.TrimStart('\uFEFF').Replace("\r\n", "\n"), "\"Ddf.Compiler\", \"[^\"]+\"", "\"Ddf.Compiler\", \"VERSION\"").TrimEnd('\n');
}
