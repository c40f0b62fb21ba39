global using TorchSharp;
global using Ddf.Reference;
global using Ddf.TestSupport;
