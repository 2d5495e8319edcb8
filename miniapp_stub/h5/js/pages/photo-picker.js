// Photos from the album or the camera through file inputs, uploaded at once (POST /uploads).
import { Vue } from "../vendor.js";
import { api } from "../api.js";

export default {
  props: { modelValue: { type: Array, default: () => [] }, max: { type: Number, default: 3 }, testid: { type: String, default: "photo" } },
  emits: ["update:modelValue"],
  template: `
    <div class="photos">
      <div v-for="(p, i) in modelValue" :key="p.id" class="thumb">
        <img :src="p.preview" alt="照片">
        <button type="button" class="thumb-x" @click="remove(i)">×</button>
      </div>
      <template v-if="modelValue.length < max">
        <label class="pick"><input type="file" accept="image/*" :data-testid="testid + '-album'" @change="picked">相册</label>
        <label class="pick"><input type="file" accept="image/*" capture="environment" :data-testid="testid + '-camera'" @change="picked">拍照</label>
      </template>
      <van-loading v-if="busy" size="20" />
    </div>`,
  setup(props, { emit }) {
    const busy = Vue.ref(false);
    async function picked(event) {
      const file = event.target.files[0];
      event.target.value = "";
      if (!file) return;
      busy.value = true;
      try {
        const made = await api.upload(file);
        emit("update:modelValue", [...props.modelValue, { id: made.id, url: made.url, preview: URL.createObjectURL(file) }]);
      } finally {
        busy.value = false;
      }
    }
    function remove(index) {
      emit("update:modelValue", props.modelValue.filter((_, i) => i !== index));
    }
    return { busy, picked, remove };
  },
};
