// A purchase request on a phone: what, why, the items (the total is the server's), quotes.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { yuan } from "../format.js";
import { useAction } from "../ui.js";
import { replace } from "../router.js";
import { PURCHASE_CATEGORIES, toFen } from "./procurement.js";

const blank = () => ({ name: "", spec: "", qty: "1", unit: "个", price: "" });

export default {
  template: `
    <div>
      <van-cell-group inset class="gap">
        <van-field v-model.trim="form.title" label="申请事项" required :error-message="save.fields.title" placeholder="如 第四季度打印纸" maxlength="128" data-testid="purchase-title" />
        <van-field v-model.trim="form.reason" label="申请理由" required :error-message="save.fields.reason" type="textarea" rows="2" autosize maxlength="2000"
                   placeholder="用途与必要性" data-testid="purchase-reason" />
      </van-cell-group>
      <div class="section-title">类别</div>
      <div class="chips">
        <button v-for="(label, key) in PURCHASE_CATEGORIES" :key="key" type="button" :data-testid="'purchase-category-' + key"
                :class="['chip', { active: form.category === key }]" @click="form.category = key">{{ label }}</button>
      </div>
      <div class="section-title">物品清单</div>
      <van-cell-group v-for="(item, i) in items" :key="i" inset class="gap">
        <van-field v-model.trim="item.name" label="名称" required placeholder="物品名称" :data-testid="'item-' + i + '-name'" />
        <van-field v-model.trim="item.spec" label="规格" placeholder="型号、规格（选填）" :data-testid="'item-' + i + '-spec'" />
        <van-field v-model.trim="item.qty" label="数量" required type="digit" :data-testid="'item-' + i + '-qty'" />
        <van-field v-model.trim="item.unit" label="单位" required maxlength="8" placeholder="个、包、台" :data-testid="'item-' + i + '-unit'" />
        <van-field v-model.trim="item.price" label="单价（元）" required type="number" placeholder="0.00" :data-testid="'item-' + i + '-price'"
                   :error-message="item.price && toFen(item.price) === null ? '金额格式不正确' : (save.fields['items.' + i] || '')" />
        <van-cell v-if="items.length > 1" title="删除此项" class="danger-text" @click="items.splice(i, 1)" />
      </van-cell-group>
      <div class="actions"><van-button block plain round icon="plus" data-testid="item-add" @click="items.push(blank())">再加一项</van-button></div>
      <div class="section-title">报价单（PDF 或图片，最多 5 个）</div>
      <div class="files">
        <div v-for="(f, i) in files" :key="f.id" class="file-row" :data-testid="'purchase-file-' + f.id">
          <span class="ellipsis">{{ f.name }}</span><button type="button" class="thumb-x" :aria-label="'移除 ' + f.name" @click="files.splice(i, 1)">×</button>
        </div>
        <label v-if="files.length < 5" class="pick wide"><input type="file" accept="application/pdf,image/*" data-testid="purchase-attach" @change="picked">添加报价单</label>
        <van-loading v-if="uploading" size="20" />
      </div>
      <van-cell-group inset class="gap">
        <van-cell title="预计金额" :value="total === null ? '—' : yuan(total)" data-testid="purchase-total" />
      </van-cell-group>
      <field-error :action="save" name="items" />
      <field-error :action="save" name="attachment_ids" />
      <div class="actions">
        <van-button type="primary" block round :loading="save.busy" :disabled="!ready" data-testid="purchase-submit" @click="submit">提交申请</van-button>
      </div>
    </div>`,
  setup() {
    const form = Vue.reactive({ title: "", reason: "", category: "office" });
    const items = Vue.reactive([blank()]);
    const files = Vue.ref([]);
    const uploading = Vue.ref(false);
    const lines = Vue.computed(() => items.map((item) => ({
      name: item.name, spec: item.spec, unit: item.unit, qty: Number(item.qty), unit_price_fen: toFen(item.price),
    })));
    const total = Vue.computed(() => (lines.value.every((l) => Number.isInteger(l.qty) && l.unit_price_fen !== null)
      ? lines.value.reduce((sum, l) => sum + l.qty * l.unit_price_fen, 0) : null));
    const ready = Vue.computed(() => form.title && form.reason && total.value !== null && lines.value.every((l) => l.name && l.unit && l.qty > 0));
    async function picked(event) {
      const file = event.target.files[0];
      event.target.value = "";
      if (!file) return;
      uploading.value = true;
      try {
        const made = await api.upload(file);
        files.value.push({ id: made.id, name: file.name });
      } finally {
        uploading.value = false;
      }
    }
    // One request = one key: a double tap or a retry after a lost reply files it once.
    const save = useAction((key, body) => api.post("/procurement/requests", body, { key, quiet: true }), {
      done(made) {
        showToast("采购申请已提交", "success");
        replace(`/procurement/${made.id}`);
      },
    });
    function submit() {
      return save.run({ ...form, items: lines.value, attachment_ids: files.value.map((f) => f.id) });
    }
    return { form, items, files, save, uploading, total, ready, picked, submit, blank, toFen, yuan, PURCHASE_CATEGORIES };
  },
};
