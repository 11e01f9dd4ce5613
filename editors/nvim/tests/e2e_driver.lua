-- Drives a real Neovim through the editor scenario of tests/editors/test_nvim.py:
--   nvim --clean --headless -u <init.lua from the README> -l e2e_driver.lua <spec.json>
-- The spec names the workspace files; every step's outcome is written to the
-- results JSON (after each step, so a killed Neovim still leaves evidence).
-- Every wait is bounded; nothing here can block on user input.

local spec = vim.json.decode(table.concat(vim.fn.readfile(arg[1]), "\n"))
local timeout_ms = spec.timeout_ms or 20000
local results = { steps = {}, notifications = {}, select_prompts = {} }

local function save_results()
  vim.fn.writefile({ vim.json.encode(results) }, spec.results)
end

-- Headless: capture what would be shown to a user instead of blocking on it.
vim.notify = function(message, level)
  table.insert(results.notifications, { message = tostring(message), level = level })
end
vim.ui.select = function(items, _, on_choice)
  local titles = {}
  for _, item in ipairs(items) do
    table.insert(titles, item.action and item.action.title or vim.inspect(item))
  end
  table.insert(results.select_prompts, titles)
  on_choice(nil)
end

local function wait_for(what, predicate)
  if not vim.wait(timeout_ms, predicate, 50) then
    error("timed out after " .. timeout_ms .. " ms waiting for " .. what, 0)
  end
end

local function run_step(name, body)
  local ok, err = xpcall(body, debug.traceback)
  results.steps[name] = ok and "ok" or tostring(err)
  save_results()
  return ok
end

local function read_disk(path)
  return table.concat(vim.fn.readfile(path, "b"), "\n")
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), "\n")
end

local function ssot_client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = "ssot_ls" })[1]
end

local function diagnostics_of(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, {
      code = d.code,
      message = d.message,
      source = d.source,
      severity = d.severity,
      lnum = d.lnum,
      col = d.col,
    })
  end
  return found
end

-- Opens a workspace file and waits until ssot_ls attached and published diagnostics.
local function open_with_diagnostics(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for("ssot_ls to attach to " .. path, function()
    return ssot_client(bufnr) ~= nil
  end)
  wait_for("diagnostics in " .. path, function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  return bufnr
end

local quickfix_buf

run_step("attach", function()
  vim.cmd.edit(vim.fn.fnameescape(spec.quickfix_file))
  quickfix_buf = vim.api.nvim_get_current_buf()
  wait_for("ssot_ls to attach", function()
    return ssot_client(quickfix_buf) ~= nil
  end)
  local client = ssot_client(quickfix_buf)
  results.attach = {
    root_dir = client.root_dir,
    cmd = client.config.cmd,
    filetype = vim.bo[quickfix_buf].filetype,
    commands = vim.tbl_keys(vim.api.nvim_buf_get_commands(quickfix_buf, {})),
    execute_commands = (client.server_capabilities.executeCommandProvider or {}).commands,
  }
end)

run_step("diagnostics", function()
  wait_for("diagnostics", function()
    return #vim.diagnostic.get(quickfix_buf) > 0
  end)
  results.diagnostics = diagnostics_of(quickfix_buf)
end)

run_step("quickfix", function()
  -- The quick fix is offered for the diagnostic under the cursor, as a user would ask.
  local target = vim.diagnostic.get(quickfix_buf, { lnum = spec.quickfix_line })[1]
  assert(target, "no diagnostic on line " .. spec.quickfix_line)
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local offered = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      table.insert(offered, { title = action.title, kind = action.kind, preferred = action.isPreferred })
      return action.kind == "quickfix" and action.title:find(spec.quickfix_title, 1, true) ~= nil
    end,
  })
  wait_for("the quick fix to change the buffer", function()
    return buffer_text(quickfix_buf):find(spec.canonical_import, 1, true) ~= nil
  end)
  results.quickfix = { offered = offered, text = buffer_text(quickfix_buf) }
end)

run_step("fix_on_save", function()
  local bufnr = open_with_diagnostics(spec.fix_on_save_file)
  results.fix_on_save = { diagnostics_before = diagnostics_of(bufnr) }
  vim.cmd("write")
  results.fix_on_save.disk = read_disk(spec.fix_on_save_file)
  results.fix_on_save.modified_after_write = vim.bo[bufnr].modified
end)

run_step("markdown", function()
  local bufnr = open_with_diagnostics(spec.markdown_file)
  results.markdown = { filetype = vim.bo[bufnr].filetype, diagnostics = diagnostics_of(bufnr) }
end)

run_step("fix_workspace", function()
  -- Back in a buffer the server is attached to; the command is buffer-local.
  vim.api.nvim_set_current_buf(quickfix_buf)
  vim.cmd("SsotFixWorkspace")
  wait_for("the workspace fix to write files", function()
    for _, n in ipairs(results.notifications) do
      if n.message:find("written to disk", 1, true) or n.message:find("failed", 1, true) then
        return true
      end
    end
    return false
  end)
  local unopened_buf = vim.fn.bufnr(spec.unopened_file)
  results.fix_workspace = {
    disk = read_disk(spec.unopened_file),
    left_loaded = unopened_buf ~= -1 and vim.api.nvim_buf_is_loaded(unopened_buf),
    quickfix_buffer_modified = vim.bo[quickfix_buf].modified,
  }
end)

save_results()
vim.cmd("qall!")
