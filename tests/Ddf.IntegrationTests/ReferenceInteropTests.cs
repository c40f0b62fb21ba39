using System;
using System.IO;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>
/// state_dicts saved by real PyTorch from the reference DDFPack / DDFUpPack modules load into the
/// generated layers through the strict <see cref="weights.load{TModule}(TModule, string)"/> (every key present with its
/// shape, nothing else), which then reproduce PyTorch's outputs (fixtures: tools/fixtures/make_ddf_fixtures.py).
/// </summary>
public class ReferenceInteropTests
{
    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    private static Tensor Io(string name, string key) => weights.read(Fixture($"{name}.io.pt"))[key];

    private static void AssertReproduces<TLayer>(string name, TLayer layer, Func<TLayer, Tensor, Tensor?, Tensor> run, bool joint = false)
        where TLayer : nn.Module
    {
        weights.load(layer, Fixture($"{name}.pt"));
        layer.eval();
        using var noGrad = no_grad();
        var actual = run(layer, Io(name, "input"), joint ? Io(name, "guidance") : null);
        AssertClose.Tensors(Io(name, "output"), actual, 1e-5, 1e-5);
    }

    [Fact]
    public void DDFPack_k3_mul() =>
        AssertReproduces("ddfpack_k3_mul", new DefaultDdf(8), (layer, x, _) => layer.forward(x));

    [Fact]
    public void DDFPack_k5_add_stride2() =>
        AssertReproduces("ddfpack_k5_add_stride2", new InteropK5AddStrided(10), (layer, x, _) => layer.forward(x));

    [Fact]
    public void DDFUpPack_self_x2() =>
        AssertReproduces("ddfuppack_self_x2", new SelfUp2(6), (layer, x, _) => layer.forward(x));

    [Fact]
    public void DDFUpPack_joint_x2() =>
        AssertReproduces("ddfuppack_joint_x2", new JointUp2(6, 6), (layer, x, g) => layer.forward(x, g!), joint: true);
}
