-- ssot-ls for Neovim 0.11+. With this folder's parent on 'runtimepath':
--
--   vim.opt.rtp:append("/path/to/ssot-ls/editors/nvim")
--   vim.lsp.enable("ssot_ls")
--
-- Override any field with vim.lsp.config("ssot_ls", { ... }); see README.md.

--- @type vim.lsp.Config
return {
  cmd = { "ssot-ls", "server" },
  filetypes = { "python", "markdown" },
  -- Earlier markers win: a folder with an ssot-ls config is the workspace
  -- even when a nested package has its own pyproject.toml.
  root_markers = { "ssot-ls.toml", ".ssot-ls.toml", "pyproject.toml", ".git" },
  -- Sent at startup (initializationOptions) and on request (workspace/configuration).
  init_options = {
    settings = {
      ["ssot-ls"] = {
        enable = true,
        configuration = nil, -- path to a config file; nil = closest config above each file
        markdown = { enable = true },
        logLevel = "info",
      },
    },
  },
  settings = {
    ["ssot-ls"] = {
      enable = true,
      configuration = nil,
      markdown = { enable = true },
      logLevel = "info",
    },
  },
  on_attach = function(client, bufnr)
    require("ssot_ls").on_attach(client, bufnr)
  end,
}
